public import Logging
public import ServiceKit
public import ServiceLifecycle

/// Deletes sent and dead deliveries, with their addresses and bodies, once
/// they ended longer ago than the retention, now and then for as long as
/// the notificator runs. A batch at a time, each its own short write, so
/// the writer is never held for long.
public struct DeliveryPruner: Service {
    private let deliveries: any DeliveryRepository
    private let retention: Duration
    private let interval: Duration
    private let batchSize: Int
    private let logger: Logger

    /// Prunes every `interval` (by default a tenth of the retention, at
    /// least a second and at most ten minutes).
    public init(deliveries: any DeliveryRepository, retention: Duration, interval: Duration? = nil, batchSize: Int = 500, logger: Logger) {
        self.deliveries = deliveries
        self.retention = retention
        self.interval = interval ?? PeriodicPruner.interval(for: retention)
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    public func run() async throws {
        try await PeriodicPruner(what: "finished deliveries", interval: interval, logger: logger) { now in
            try await pruneOnce(now: now)
        }.run()
    }

    /// Deletes every delivery that ended before `now` minus the retention,
    /// batch by batch; returns how many.
    @discardableResult
    public func pruneOnce(now: Timestamp) async throws -> Int {
        let cutoff = now.adding(.zero - retention)
        var total = 0
        while !Task.isShuttingDownGracefully {
            let pruned = try await deliveries.prune(finishedBefore: cutoff, limit: batchSize)
            total += pruned
            if pruned < batchSize { break }
            // Lets the writes of the relay and the worker in between batches.
            await Task.yield()
        }
        return total
    }
}

extension DeliveryPruner: CustomStringConvertible {
    public var description: String { "DeliveryPruner(retention: \(retention))" }
}
