public import Logging
public import ServiceLifecycle

/// Deletes what has outlived its retention, now and then, for as long as the
/// service runs: what every pruner shares. `prune` gets the time and
/// returns how many rows went; a failure is logged and tried again at the
/// next turn (`RecurringWork`).
public struct PeriodicPruner: Service, CustomStringConvertible {
    private let what: String
    private let interval: Duration
    private let logger: Logger
    private let prune: @Sendable (Timestamp) async throws -> Int

    /// - Parameters:
    ///   - what: what is pruned, for the log ("relayed outbox rows").
    ///   - interval: how often.
    public init(what: String, interval: Duration, logger: Logger, prune: @escaping @Sendable (Timestamp) async throws -> Int) {
        self.what = what
        self.interval = interval
        self.logger = logger
        self.prune = prune
    }

    /// A tenth of `retention`, at least a second and at most ten minutes.
    public static func interval(for retention: Duration) -> Duration {
        min(max(retention / 10, .seconds(1)), .seconds(600))
    }

    public func run() async throws {
        try await RecurringWork("prune \(what)", retryAfter: interval, logger: logger) {
            let pruned = try await prune(.now())
            if pruned > 0 { logger.info("pruned \(what)", metadata: ["rows": "\(pruned)"]) }
            return interval
        }.run()
    }

    public var description: String { "PeriodicPruner(\(what), every \(interval))" }
}
