public import Outbox
public import ServiceKit

/// Where the notificator keeps the mails it has taken and their fate.
public protocol DeliveryRepository: Sendable {
    /// Stores `messages` taken from `source`, skipping any already stored,
    /// and moves the source's cursor to `lastID`, in one transaction.
    /// Returns how many deliveries are new.
    @discardableResult
    func ingest(_ messages: [OutboxMessage], from source: String, upTo lastID: Int64) async throws -> Int
    /// Queues `mail`, given directly rather than taken from an outbox (over
    /// gRPC), as a pending delivery from `DirectMail.source`, numbered after
    /// the last one from there, and answers its id. With an idempotency key
    /// already used for the same mail, the id of the delivery stored then is
    /// answered and nothing is added; for a different mail it throws
    /// `DeliveryRepositoryError.idempotencyKeyReused`.
    func enqueue(_ mail: DirectMail) async throws -> (id: Int64, created: Bool)
    /// Up to `limit` pending deliveries due at `time`, soonest due first,
    /// leaving out `excluded` (those being sent).
    func due(at time: Timestamp, limit: Int, excluding excluded: Set<Int64>) async throws -> [Delivery]
    /// When the next pending delivery falls due after `time`, if one does.
    func nextDueTime(after time: Timestamp) async throws -> Timestamp?
    /// Records a successful attempt.
    func markSent(id: Int64, at time: Timestamp) async throws
    /// Records a failed attempt with its error: pending again from `retryAt`,
    /// or dead when `retryAt` is nil.
    func markFailed(id: Int64, error: String, retryAt: Timestamp?, at time: Timestamp) async throws
    /// The delivery with `id`, or nil.
    func get(id: Int64) async throws -> Delivery?
    /// Up to `limit` deliveries matching `filter` with an id above `id`, in ascending id.
    func list(filter: DeliveryFilter, after id: Int64, limit: Int) async throws -> Page<Delivery>
    /// Puts a dead delivery back to pending, due at `time`. Nil when there
    /// is no such delivery; throws `DeliveryRepositoryError.notDead` when it
    /// is not dead.
    func retry(id: Int64, at time: Timestamp) async throws -> Delivery?
    /// How many deliveries are in each status.
    func countsByStatus() async throws -> [DeliveryStatus: Int]
    /// Deletes up to `limit` sent or dead deliveries that ended before
    /// `time`, bodies and addresses with them; returns how many.
    @discardableResult
    func prune(finishedBefore time: Timestamp, limit: Int) async throws -> Int
}

/// What a `DeliveryRepository` refuses.
public enum DeliveryRepositoryError: Error, Sendable, Equatable {
    case notDead(DeliveryStatus)
    /// The idempotency key came with a different mail before.
    case idempotencyKeyReused
}

/// One e-mail handed to the notificator directly (gRPC `SendEmail`).
public struct DirectMail: Sendable, Hashable {
    /// The source such deliveries have.
    public static let source = "grpc"
    /// The topic such deliveries have.
    public static let topic = "send_email"

    public var recipient: String
    public var subject: String
    public var body: String
    /// The same key again answers the same delivery; nil for none.
    public var idempotencyKey: String?

    public init(recipient: String, subject: String, body: String, idempotencyKey: String? = nil) {
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.idempotencyKey = idempotencyKey
    }
}

/// Where the relay's position in each source's outbox is kept. The cursor
/// moves only with `DeliveryRepository.ingest`, in the same transaction as the
/// deliveries it covers.
public protocol SourceCursorRepository: Sendable {
    /// The last outbox id taken from `source`; 0 before the first.
    func lastID(for source: String) async throws -> Int64
}
