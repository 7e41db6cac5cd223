public import Logging
import ServiceKit
public import ServiceLifecycle
import Synchronization

/// Sends due pending deliveries through the mailer and records each
/// outcome: sent; pending again after a backoff on a temporary failure; dead
/// on a permanent one or after the last attempt.
///
/// Up to `maxInFlight` sends run at once. A delivery is marked sent only
/// after the mailer accepted it, so a crash between the two sends it again
/// after restart: at least once, never lost.
public struct DeliveryWorker: Service {
    private let deliveries: any DeliveryRepository
    private let mailer: any Mailer
    private let sender: MailAddress
    private let policy: RetryPolicy
    private let wakeup: Wakeup
    private let metrics: DeliveryMetrics
    private let logger: Logger
    private let maxInFlight: Int

    public init(
        deliveries: any DeliveryRepository,
        mailer: any Mailer,
        sender: MailAddress,
        policy: RetryPolicy,
        wakeup: Wakeup,
        metrics: DeliveryMetrics,
        logger: Logger,
        maxInFlight: Int = 32
    ) {
        self.deliveries = deliveries
        self.mailer = mailer
        self.sender = sender
        self.policy = policy
        self.wakeup = wakeup
        self.metrics = metrics
        self.logger = logger
        self.maxInFlight = max(1, maxInFlight)
    }

    /// The ids being sent right now, so they are not taken twice.
    private final class InFlight: Sendable {
        let ids = Mutex<Set<Int64>>([])
    }

    public func run() async throws {
        let inFlight = InFlight()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let busy = inFlight.ids.withLock { $0 }
                let capacity = maxInFlight - busy.count
                var took = 0
                if capacity > 0 {
                    do {
                        let due = try await deliveries.due(at: .now(), limit: capacity, excluding: busy)
                        took = due.count
                        for delivery in due {
                            inFlight.ids.withLock { _ = $0.insert(delivery.id) }
                            group.addTask {
                                await attempt(delivery)
                                inFlight.ids.withLock { _ = $0.remove(delivery.id) }
                                wakeup.wake()
                            }
                        }
                    } catch {
                        logger.error("cannot read due deliveries", metadata: ["error": "\(error)"])
                    }
                }
                if took == capacity && took > 0 { continue }
                await sleepUntilDue()
            }
        }
    }

    /// Sleeps until woken (new deliveries, a retry, a send finished) or the
    /// next delivery falls due; at most a few seconds.
    private func sleepUntilDue() async {
        let now = Timestamp.now()
        var wait = Duration.seconds(5)
        if let next = try? await deliveries.nextDueTime(after: now) {
            wait = min(wait, max(.milliseconds(1), next.duration(since: now)))
        }
        let (wakeup, timeout) = (self.wakeup, wait)
        await cancelWhenGracefulShutdown { await wakeup.sleep(for: timeout) }
    }

    func attempt(_ delivery: Delivery) async {
        let mail = OutgoingMail(delivery: delivery, from: sender)
        let attemptNumber = delivery.attempts + 1
        var logger = self.logger
        logger[metadataKey: "delivery_id"] = "\(delivery.id)"
        logger[metadataKey: "message_id"] = .string(mail.messageID)
        do {
            try await mailer.send(mail)
            let now = Timestamp.now()
            do {
                try await deliveries.markSent(id: delivery.id, at: now)
                metrics.recordSent(createdAt: delivery.sourceCreatedAt, sentAt: now)
            } catch {
                // Sent but not recorded: it will be sent again, which the
                // stable Message-ID lets a receiver recognise.
                logger.error("sent, but could not record it; it will be sent again", metadata: ["error": "\(error)"])
            }
        } catch {
            let now = Timestamp.now()
            var retryAt: Timestamp?
            if case .temporary = error, let delay = policy.delay(afterAttempt: attemptNumber) {
                retryAt = now.adding(delay)
            }
            do {
                try await deliveries.markFailed(id: delivery.id, error: error.description, retryAt: retryAt, at: now)
            } catch {
                logger.error("could not record a failed attempt", metadata: ["error": "\(error)"])
                return
            }
            if let retryAt {
                metrics.recordRetry()
                logger.info(
                    "delivery failed; will retry",
                    metadata: ["attempt": "\(attemptNumber)", "retry_at": "\(retryAt)", "error": "\(error.description)"]
                )
            } else {
                metrics.recordDead()
                logger.warning("delivery is dead", metadata: ["attempts": "\(attemptNumber)", "error": "\(error.description)"])
            }
        }
    }
}

extension DeliveryWorker: CustomStringConvertible {
    public var description: String { "DeliveryWorker" }
}
