public import Logging
import ServiceKit
public import ServiceLifecycle

/// Deletes acknowledged outbox rows once they are older than the retention,
/// now and then, for as long as the service runs.
public struct OutboxPruner: Service, CustomStringConvertible {
    private let pruner: PeriodicPruner
    private let retention: Duration

    /// Prunes every `interval` (by default a tenth of the retention, at
    /// least a second and at most ten minutes).
    public init(outbox: any OutboxRepository, retention: Duration, interval: Duration? = nil, logger: Logger) {
        self.retention = retention
        self.pruner = PeriodicPruner(
            what: "relayed outbox rows", interval: interval ?? PeriodicPruner.interval(for: retention), logger: logger
        ) { now in
            try await outbox.prune(relayedBefore: now.adding(.zero - retention))
        }
    }

    public func run() async throws {
        try await pruner.run()
    }

    public var description: String { "OutboxPruner(retention: \(retention))" }
}
