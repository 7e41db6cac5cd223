import Synchronization

/// Stops calling a dependency that keeps failing, so a request that needs it
/// fails in microseconds instead of waiting for timeouts.
///
/// Closed, it lets calls through and counts failures in a row. After
/// `failureThreshold` of them it opens: calls fail at once with
/// `CircuitBreakerOpen` for `openDuration`. Then it lets one trial call
/// through; success closes it, failure opens it again.
public final class CircuitBreaker: Sendable {
    public let failureThreshold: Int
    public let openDuration: Duration

    private enum State {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant)
        case trial
    }

    private let state = Mutex(State.closed(failures: 0))

    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(10)) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// Runs `operation` unless the breaker is open. An error for which
    /// `isFailure` holds counts against the dependency; others (a 404, say,
    /// which is an answer) do not.
    public func run<T>(
        isFailure: (any Error) -> Bool = { _ in true },
        _ operation: () async throws -> T
    ) async throws -> T {
        try admit()
        do {
            let result = try await operation()
            record(success: true)
            return result
        } catch {
            record(success: !isFailure(error))
            throw error
        }
    }

    /// Whether calls are being refused right now.
    public var isOpen: Bool {
        state.withLock { state in
            if case .open(let until) = state { return ContinuousClock.now < until }
            if case .trial = state { return true }
            return false
        }
    }

    private func admit() throws {
        try state.withLock { state in
            switch state {
            case .closed:
                return
            case .open(let until):
                let now = ContinuousClock.now
                if now < until { throw CircuitBreakerOpen(retryAfter: until - now) }
                state = .trial
            case .trial:
                throw CircuitBreakerOpen(retryAfter: .seconds(1))
            }
        }
    }

    private func record(success: Bool) {
        state.withLock { state in
            if success {
                state = .closed(failures: 0)
                return
            }
            switch state {
            case .closed(let failures) where failures + 1 < failureThreshold:
                state = .closed(failures: failures + 1)
            default:
                state = .open(until: ContinuousClock.now + openDuration)
            }
        }
    }
}

/// A call refused because the breaker is open.
public struct CircuitBreakerOpen: Error, Sendable {
    /// How long until the breaker lets a trial call through.
    public let retryAfter: Duration
}
