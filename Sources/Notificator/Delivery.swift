public import Hummingbird
public import ServiceKit

/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting to be sent, or to be tried again.
    case pending
    /// Accepted by the mail server (or written to the Maildir).
    case sent
    /// Given up on: a permanent failure, or too many attempts.
    case dead
}

/// One e-mail taken from a source's outbox, and how sending it went.
public struct Delivery: Sendable, Hashable, ResponseEncodable {
    public var id: Int64
    /// The service whose outbox it came from (`users`, `bugs`).
    public var source: String
    /// Its id in that outbox.
    public var sourceMessageID: Int64
    public var topic: String
    public var recipient: String
    public var subject: String
    /// The text; not part of the API's view of a delivery.
    public var body: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var lastError: String?
    public var nextAttemptAt: Timestamp?
    /// When the source wrote it; not part of the API's view.
    public var sourceCreatedAt: Timestamp
    /// When the notificator took it.
    public var createdAt: Timestamp
    public var sentAt: Timestamp?
    /// When it went dead; nil unless dead. Not part of the API's view.
    public var diedAt: Timestamp?
    /// `<SOURCE.SOURCEID.INSTANCE@bugtracker>`, the same on every attempt.
    /// Not part of the API's view.
    public var messageID: String
    /// The conversation it belongs to (`bug-7`), sent as `References`; not
    /// part of the API's view.
    public var thread: String? = nil
    /// The W3C trace each attempt continues (the source row's, or the gRPC
    /// call's); not part of the API's view.
    public var traceparent: String? = nil

    /// The API's view, in the contract's order, which the encoding follows;
    /// `body` and `source_created_at` stay out.
    enum CodingKeys: String, CodingKey {
        case id, source
        case sourceMessageID = "source_message_id"
        case topic, recipient, subject, status, attempts
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case sentAt = "sent_at"
    }
}

/// The list filters, combined with AND; nil matches anything.
public struct DeliveryFilter: Sendable, Hashable {
    public var status: DeliveryStatus?
    public var recipient: String?
    public var source: String?

    public init(status: DeliveryStatus? = nil, recipient: String? = nil, source: String? = nil) {
        self.status = status
        self.recipient = recipient
        self.source = source
    }
}
