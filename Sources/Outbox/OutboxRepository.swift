public import ServiceKit

/// A service's outbox: the e-mails its changes queued, read by the
/// notificator through the feed and acknowledged when taken.
public protocol OutboxRepository: Sendable {
    /// Up to `limit` messages with an id above `id`, in ascending id.
    func messages(after id: Int64, limit: Int) async throws -> [OutboxMessage]
    /// Marks every message up to `id` relayed at `time`; returns how many
    /// were newly marked.
    @discardableResult
    func acknowledge(upTo id: Int64, at time: Timestamp) async throws -> Int
    /// Deletes messages relayed before `time`; returns how many.
    @discardableResult
    func prune(relayedBefore time: Timestamp) async throws -> Int
    /// Messages not yet acknowledged.
    func pendingCount() async throws -> Int
    /// Tells waiters when new messages commit.
    var signal: OutboxSignal { get }
}
