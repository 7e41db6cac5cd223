public import Outbox
public import ServiceKit

/// What a write keeps for its `Idempotency-Key`: the request, and the answer
/// made from what the write stored, kept in the same transaction.
public struct IdempotencyRecord<Value: Sendable>: Sendable {
    public let request: IdempotentRequest
    public let response: @Sendable (Value) throws -> StoredResponse

    public init(request: IdempotentRequest, response: @escaping @Sendable (Value) throws -> StoredResponse) {
        self.request = request
        self.response = response
    }
}

/// Who made a change: a person's id, or nil for a service.
public typealias ActorID = Int64?

/// Where bugs, their comments, watchers and history are kept. Every write
/// adds its history event and queues its mails in its own transaction.
public protocol BugRepository: Sendable {
    /// Stores `bug` (status open, version 1) with its `created` event; its
    /// reporter and assignee start watching it; queues the mails `mails`
    /// makes; keeps `idempotency`'s answer. Throws
    /// `BugRepositoryError.idempotencyKeyTaken` when another write kept an
    /// answer for the key first (nothing is stored then).
    func create(
        _ bug: NewBug, actor: ActorID, idempotency: IdempotencyRecord<Bug>?, mails: @escaping @Sendable (Bug) -> [MailDraft]
    ) async throws -> Bug
    /// The bug with `id`, or nil.
    func get(id: Int64) async throws -> Bug?
    /// Up to `limit` bugs matching `filter` with an id above `id`, in ascending id.
    func list(filter: BugFilter, after id: Int64, limit: Int) async throws -> Page<Bug>
    /// Up to `limit` bugs matching `query` and `filter`, best match first,
    /// from `offset` in that order; and whether more follow.
    func search(_ query: SearchQuery, filter: BugFilter, offset: Int, limit: Int) async throws -> (bugs: [Bug], more: Bool)
    /// Applies `changes` to bug `id` when its version is `expectedVersion`,
    /// with a `changed` event; a new assignee starts watching; queues the
    /// mails `mails` makes from the bug before and after and its watchers
    /// after the change. A change that changes nothing writes nothing and
    /// returns the bug as it is.
    ///
    /// Throws `BugRepositoryError`: `.notFound`, `.versionMismatch` with the
    /// current version, or `.invalidTransition`.
    func update(
        id: Int64,
        changes: BugChanges,
        expectedVersion: Int,
        actor: ActorID,
        mails: @escaping @Sendable (_ before: Bug, _ after: Bug, _ watchers: [Int64]) -> [MailDraft]
    ) async throws -> Bug

    /// Adds a comment to bug `bugID` with its `commented` event; the author
    /// starts watching; queues the mails `mails` makes from the bug, the
    /// comment and the watchers; keeps `idempotency`'s answer. Throws
    /// `.notFound`, or `.idempotencyKeyTaken` as `create` does.
    func addComment(
        _ body: CommentBody, to bugID: Int64, author: ActorID, idempotency: IdempotencyRecord<Comment>?,
        mails: @escaping @Sendable (_ bug: Bug, _ comment: Comment, _ watchers: [Int64]) -> [MailDraft]
    ) async throws -> Comment
    /// The comment `id` of bug `bugID`, or nil.
    func comment(id: Int64, of bugID: Int64) async throws -> Comment?
    /// Up to `limit` comments of bug `bugID` after comment `id`, oldest first.
    func comments(of bugID: Int64, after id: Int64, limit: Int) async throws -> Page<Comment>
    /// Up to `limit` events of bug `bugID` after event `id`, oldest first.
    func events(of bugID: Int64, after id: Int64, limit: Int) async throws -> Page<BugEvent>

    /// Who watches bug `bugID`, in ascending id; nil when there is no such
    /// bug. One read answers both, so a handler that needs the bug to exist
    /// and its watchers asks once.
    func watchers(of bugID: Int64) async throws -> [Int64]?
    /// `userID` starts (or stops) watching bug `bugID`; watching already
    /// (or not at all) is fine. Throws `.notFound` for an unknown bug.
    func setWatching(_ watching: Bool, user userID: Int64, bug bugID: Int64) async throws
}

/// What a `BugRepository` refuses.
public enum BugRepositoryError: Error, Sendable, Equatable {
    case notFound(Int64)
    case versionMismatch(current: Int)
    case invalidTransition(from: BugStatus, to: BugStatus)
    /// Another write kept an answer for this `Idempotency-Key` first.
    case idempotencyKeyTaken
}
