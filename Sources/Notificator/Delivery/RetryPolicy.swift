/// When a failed delivery is tried again, and when it is given up.
///
/// Attempt n (from 1) that fails temporarily waits base × 2^(n-1), at most
/// `max`, with jitter: a random half to all of it, so that many deliveries
/// failing at once do not come back at once. After `maxAttempts` the
/// delivery is dead.
public struct RetryPolicy: Sendable {
    public var base: Duration
    public var max: Duration
    public var maxAttempts: Int

    public init(base: Duration = .seconds(1), max: Duration = .seconds(300), maxAttempts: Int = 10) {
        self.base = base
        self.max = max
        self.maxAttempts = Swift.max(1, maxAttempts)
    }

    /// The wait after the `attempt`-th failed attempt, or nil when that was
    /// the last one allowed.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let exponent = Swift.min(attempt - 1, 40)
        let full = Swift.min(base * Double(1 << exponent), max)
        return full * Double.random(in: 0.5...1.0, using: &generator)
    }

    /// As above, with the system's random numbers.
    public func delay(afterAttempt attempt: Int) -> Duration? {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }
}
