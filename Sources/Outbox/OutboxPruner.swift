public import Logging
import ServiceKit
public import ServiceLifecycle

/// Deletes acknowledged outbox rows once they are older than the retention,
/// now and then, for as long as the service runs.
public struct OutboxPruner: Service {
    private let outbox: any OutboxRepository
    private let retention: Duration
    private let interval: Duration
    private let logger: Logger

    /// Prunes every `interval` (by default a tenth of the retention, at
    /// least a second and at most ten minutes).
    public init(outbox: any OutboxRepository, retention: Duration, interval: Duration? = nil, logger: Logger) {
        self.outbox = outbox
        self.retention = retention
        self.interval = interval ?? min(max(retention / 10, .seconds(1)), .seconds(600))
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pruned = try await outbox.prune(relayedBefore: Timestamp.now().adding(.zero - retention))
                if pruned > 0 { logger.info("pruned relayed outbox rows", metadata: ["rows": "\(pruned)"]) }
            } catch {
                logger.warning("could not prune the outbox", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

extension OutboxPruner: CustomStringConvertible {
    public var description: String { "OutboxPruner(retention: \(retention))" }
}
