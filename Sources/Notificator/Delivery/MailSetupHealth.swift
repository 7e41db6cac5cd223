import Synchronization

/// Whether the mail setup works. A failure of the setup itself (credentials
/// refused, a certificate not trusted) is no message's fault: sending pauses
/// for a backoff that grows with each failed try, `/ready` says why, and no
/// delivery spends an attempt on it.
public final class MailSetupHealth: Sendable {
    private struct State {
        var problem: String?
        var pausedUntil: ContinuousClock.Instant?
        var failures = 0
    }

    private let state = Mutex(State())
    private let backoff: RetryPolicy

    /// Pauses grow like retries do: `base`, doubling, at most `max`.
    public init(backoff: RetryPolicy) {
        self.backoff = RetryPolicy(base: backoff.base, max: backoff.max, maxAttempts: .max)
    }

    /// What is wrong with the setup, while it is; nil when it works.
    public var problem: String? { state.withLock { $0.problem } }

    /// Until when sending is paused, if it is.
    var pausedUntil: ContinuousClock.Instant? {
        state.withLock { state in
            guard let until = state.pausedUntil, ContinuousClock.now < until else { return nil }
            return until
        }
    }

    /// Records a setup failure and pauses sending. True when it begins an
    /// outage (the setup worked before), which is worth one log line.
    func recordFailure(_ reason: String) -> Bool {
        state.withLock { state in
            let isNew = state.problem == nil
            state.failures += 1
            state.problem = reason
            state.pausedUntil = ContinuousClock.now + (backoff.delay(afterAttempt: state.failures) ?? backoff.max)
            return isNew
        }
    }

    /// Records a send that worked. True when it ends an outage.
    func recordSuccess() -> Bool {
        state.withLock { state in
            guard state.problem != nil else { return false }
            state = State()
            return true
        }
    }
}
