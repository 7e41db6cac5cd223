public import Logging
import Outbox
import ServiceKit
public import ServiceLifecycle

/// Takes one source's outbox into the deliveries table: long-polls the feed
/// from its last id, stores what comes together with the new cursor in one
/// transaction, wakes the worker, then acknowledges to the source.
///
/// A source that cannot be reached is retried with backoff, and logged once
/// when it goes and once when it comes back, not on every attempt. Each
/// source has its own relay, so one that is down holds up no other.
public struct OutboxRelay: Service {
    private let source: any OutboxSource
    private let deliveries: any DeliveryRepository
    private let cursors: any SourceCursorRepository
    private let wakeup: Wakeup
    private let metrics: DeliveryMetrics
    private let logger: Logger
    private let pollWait: Int
    private let batchSize: Int
    private let backoff: RetryPolicy

    public init(
        source: any OutboxSource,
        deliveries: any DeliveryRepository,
        cursors: any SourceCursorRepository,
        wakeup: Wakeup,
        metrics: DeliveryMetrics,
        logger: Logger,
        pollWait: Int = 25,
        batchSize: Int = 500,
        backoff: RetryPolicy = RetryPolicy(base: .milliseconds(250), max: .seconds(15), maxAttempts: Int.max)
    ) {
        self.source = source
        self.deliveries = deliveries
        self.cursors = cursors
        self.wakeup = wakeup
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "source"] = .string(source.name)
        self.logger = logger
        self.pollWait = pollWait
        self.batchSize = batchSize
        self.backoff = backoff
    }

    public func run() async throws {
        var cursor: Int64?
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let after: Int64
                if let cursor {
                    after = cursor
                } else {
                    after = try await cursors.lastID(for: source.name)
                }
                cursor = after
                let (messages, lastID) = try await cancelWhenGracefulShutdown {
                    try await source.messages(after: after, limit: batchSize, wait: pollWait)
                }
                if failures > 0 {
                    logger.notice("source is reachable again", metadata: ["failed_attempts": "\(failures)"])
                    failures = 0
                }
                metrics.recordSourceUp(source.name, true)
                let reached = max(lastID, messages.last?.id ?? after)
                guard reached > after else { continue }
                let fresh = try await deliveries.ingest(messages, from: source.name, upTo: reached)
                cursor = reached
                if fresh > 0 { wakeup.wake() }
                do {
                    try await source.acknowledge(upTo: reached)
                } catch {
                    // The cursor is ours; a later acknowledgement covers this one.
                    logger.debug("acknowledgement failed", metadata: ["error": "\(error)"])
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                failures += 1
                metrics.recordSourceUp(source.name, false)
                if failures == 1 {
                    logger.warning("source is unreachable; retrying with backoff", metadata: ["error": "\(error)"])
                }
                let delay = backoff.delay(afterAttempt: failures) ?? backoff.max
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
    }
}

extension OutboxRelay: CustomStringConvertible {
    /// For service-lifecycle logs: the source's name, never its token.
    public var description: String { "OutboxRelay(\(source.name))" }
}
