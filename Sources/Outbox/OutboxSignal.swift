import Synchronization

/// Wakes the feed's long polls when outbox rows commit: repositories call
/// `committed(upTo:)` after a transaction that appended rows has committed,
/// and a poll waits with `wait(forIDAbove:timeout:)` instead of sleeping in
/// a loop.
///
/// It remembers the highest id committed, so a commit that lands between a
/// poll's read and its wait is not missed.
public final class OutboxSignal: Sendable {
    private struct State {
        var latestID: Int64 = 0
        var isShutDown = false
        var nextToken: UInt64 = 0
        var waiters: [UInt64: (above: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The highest outbox id known to have committed.
    public var latestID: Int64 { state.withLock { $0.latestID } }

    /// Waits registered now (for tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Marks of cancellations not yet consumed (for tests: none should outlive its wait).
    var leftoverCount: Int { state.withLock { $0.cancelled.count } }

    /// Records that rows up to `id` have committed and wakes the waiters
    /// they satisfy.
    public func committed(upTo id: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard id > state.latestID else { return [] }
            state.latestID = id
            let ready = state.waiters.filter { $0.value.above < id }
            for token in ready.keys { state.waiters[token] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Waits until a row with an id above `id` has committed, `timeout`
    /// passes, the task is cancelled, or the signal shuts down. Returns
    /// whether such a row has committed.
    public func wait(forIDAbove id: Int64, timeout: Duration) async -> Bool {
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(forIDAbove: id, token: token) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        // Both tasks are done: a cancellation that came after the wake-up
        // left its mark, which nothing will read.
        _ = state.withLock { $0.cancelled.remove(token) }
        return latestID > id
    }

    /// Wakes every waiter, and makes later waits return at once: for a
    /// graceful shutdown, which should not sit out a 30-second poll.
    public func shutDown() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isShutDown = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    private func wait(forIDAbove id: Int64, token: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled.remove(token) != nil || state.isShutDown || state.latestID > id {
                        return true
                    }
                    state.waiters[token] = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                if let waiter = state.waiters.removeValue(forKey: token) { return Optional(waiter) }
                state.cancelled.insert(token)
                return nil
            }
            waiter?.continuation.resume()
        }
    }
}
