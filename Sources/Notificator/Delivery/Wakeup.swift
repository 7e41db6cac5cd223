import Synchronization

/// Wakes sleeping tasks early: when new deliveries arrive, or a dead one is
/// retried. A wake-up that comes while nobody sleeps is kept for the next
/// sleep, so a worker busy when work arrived does not miss it.
///
/// Safe for any number of sleepers: `wake()` wakes every one of them.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var nextToken: UInt64 = 0
        var sleepers: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Sleeps cancelled before they began to wait.
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Tasks asleep now (for tests).
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Whether a wake-up waits for the next sleep (for tests).
    var hasPendingWake: Bool { state.withLock { $0.pending } }

    /// Marks of cancellations not yet consumed (for tests: none should outlive its sleep).
    var leftoverCount: Int { state.withLock { $0.cancelled.count } }

    /// Wakes every sleeper, or, with none, the next one to sleep.
    public func wake() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.sleepers.isEmpty else {
                state.pending = true
                return []
            }
            defer { state.sleepers.removeAll() }
            return Array(state.sleepers.values)
        }
        for sleeper in woken { sleeper.resume() }
    }

    /// Sleeps until woken, `timeout` passes, or the task is cancelled.
    public func sleep(for timeout: Duration) async {
        await sleeping { token in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitForWake(token: token) }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Sleeps until woken or the task is cancelled, with no timer: for a
    /// wait that a wake-up always ends. Cheaper than `sleep(for:)`, which
    /// needs two child tasks and a timer, enough to show in a mail's cost.
    public func sleep() async {
        await sleeping { token in await waitForWake(token: token) }
    }

    /// Runs `wait` with a token of its own. Once `wait` is done, a
    /// cancellation that came after the wake-up has left its mark, which
    /// nothing will read: it is cleared here.
    private func sleeping(_ wait: (UInt64) async -> Void) async {
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        await wait(token)
        _ = state.withLock { $0.cancelled.remove(token) }
    }

    private func waitForWake(token: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled.remove(token) != nil { return true }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.sleepers[token] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let sleeper = state.sleepers.removeValue(forKey: token) { return sleeper }
                state.cancelled.insert(token)
                return nil
            }
            sleeper?.resume()
        }
    }
}
