public import Outbox
public import ServiceKit

/// Where bugs are kept.
public protocol BugRepository: Sendable {
    /// Stores `bug` (status open, version 1) and queues the mails `mails`
    /// makes for it in the same transaction.
    func create(_ bug: NewBug, mails: @escaping @Sendable (Bug) -> [MailDraft]) async throws -> Bug
    /// The bug with `id`, or nil.
    func get(id: Int64) async throws -> Bug?
    /// Up to `limit` bugs matching `filter` with an id above `id`, in ascending id.
    func list(filter: BugFilter, after id: Int64, limit: Int) async throws -> Page<Bug>
    /// Applies `changes` to bug `id` when its version is `expectedVersion`,
    /// and queues the mails `mails` makes from the bug before and after, in
    /// the same transaction.
    ///
    /// Throws `BugRepositoryError`: `.notFound`, `.versionMismatch` with the
    /// current version, or `.invalidTransition`.
    func update(
        id: Int64,
        changes: BugChanges,
        expectedVersion: Int,
        mails: @escaping @Sendable (_ before: Bug, _ after: Bug) -> [MailDraft]
    ) async throws -> Bug
}

/// What a `BugRepository` refuses.
public enum BugRepositoryError: Error, Sendable, Equatable {
    case notFound(Int64)
    case versionMismatch(current: Int)
    case invalidTransition(from: BugStatus, to: BugStatus)
}
