public import Logging
import ServiceKit
public import ServiceLifecycle
import Synchronization
import TraceSupport
import Tracing

/// Sends due pending deliveries through the mailer and records each
/// outcome: sent; pending again after a backoff on a temporary failure; dead
/// on a permanent one or after the last attempt. A failure of the mail setup
/// (`MailerError.setup`) is none of these: the delivery is left as it was,
/// and sending pauses (`MailSetupHealth`), then tries one message at a time
/// until one goes through.
///
/// Up to `maxInFlight` sends run at once, taken from batches of due
/// deliveries read `batchSize` at a time. A delivery is marked sent only
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
    private let batchSize: Int
    private let health: MailSetupHealth

    public init(
        deliveries: any DeliveryRepository,
        mailer: any Mailer,
        sender: MailAddress,
        policy: RetryPolicy,
        wakeup: Wakeup,
        metrics: DeliveryMetrics,
        logger: Logger,
        health: MailSetupHealth? = nil,
        maxInFlight: Int = 64,
        batchSize: Int = 256
    ) {
        self.deliveries = deliveries
        self.mailer = mailer
        self.sender = sender
        self.policy = policy
        self.wakeup = wakeup
        self.metrics = metrics
        self.logger = logger
        self.health = health ?? MailSetupHealth(backoff: policy)
        self.maxInFlight = max(1, maxInFlight)
        self.batchSize = max(1, batchSize)
    }

    /// The ids taken and not yet finished, so they are not taken twice.
    private final class InFlight: Sendable {
        let ids = Mutex<Set<Int64>>([])
    }

    public func run() async throws {
        let inFlight = InFlight()
        // Woken by each finishing send, for the wait while every slot is
        // busy: new deliveries (the shared `wakeup`) cannot end that wait.
        let slotFreed = Wakeup()
        // Due deliveries are fetched a batch at a time into `waiting`, and
        // started as sends finish: one query per batch, not one per send.
        var waiting: [Delivery] = []
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if let until = health.pausedUntil {
                    // The setup is broken: nothing is sent until the pause ends.
                    waiting = []
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(until: until, clock: .continuous) }
                    continue
                }
                // While the setup is in doubt, one message at a time finds out.
                let limit = health.problem == nil ? maxInFlight : 1
                if waiting.isEmpty {
                    do {
                        let taken = inFlight.ids.withLock { $0 }
                        waiting = try await deliveries.due(at: .now(), limit: batchSize, excluding: taken)
                    } catch {
                        logger.error("cannot read due deliveries", metadata: ["error": "\(error)"])
                    }
                }
                let fetchedNone = waiting.isEmpty
                while !waiting.isEmpty && inFlight.ids.withLock({ $0.count }) < limit {
                    let delivery = waiting.removeFirst()
                    inFlight.ids.withLock { _ = $0.insert(delivery.id) }
                    group.addTask {
                        await attempt(delivery)
                        inFlight.ids.withLock { _ = $0.remove(delivery.id) }
                        slotFreed.wake()
                        wakeup.wake()
                    }
                }
                if fetchedNone {
                    await sleepUntilDue()
                } else if !waiting.isEmpty {
                    // Every slot is busy: a finishing send wakes us, so this
                    // wait needs no timer, and shutdown wakes it rather than
                    // a task watching for it. It comes once per mail sent.
                    await withGracefulShutdownHandler {
                        await slotFreed.sleep()
                    } onGracefulShutdown: {
                        slotFreed.wake()
                    }
                }
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

    /// One attempt, as a `deliver <topic>` span in the trace of the change
    /// that queued the mail (a consumer span: the request that wrote the
    /// row has long answered), its log lines carrying that trace's id.
    func attempt(_ delivery: Delivery) async {
        let scope = delivery.traceparent.map {
            OutgoingRequestIdentity.continuing(requestID: nil, traceparent: $0, tracestate: nil)
        }
        guard TraceRecording.isOn else {
            await RequestScope.$identity.withValue(scope) { _ = await send(delivery) }
            return
        }
        var parent = Spans.continuing(traceparent: delivery.traceparent)
        parent.bugtrackerService = NotificatorService.name
        await Spans.record("deliver \(delivery.topic)", kind: .consumer, parent: parent) { span in
            span?.attributes["messaging.operation.type"] = "process"
            span?.attributes["bugtracker.delivery.id"] = Int(delivery.id)
            span?.attributes["bugtracker.delivery.attempt"] = delivery.attempts + 1
            await RequestScope.$identity.withValue(scope) {
                switch await send(delivery) {
                case .sent: span?.setStatus(SpanStatus(code: .ok))
                case .failed(let reason): span?.setStatus(SpanStatus(code: .error, message: reason))
                }
            }
        }
    }

    /// How an attempt ended, for its span.
    enum Outcome {
        case sent
        case failed(String)
    }

    private func send(_ delivery: Delivery) async -> Outcome {
        let mail = OutgoingMail(delivery: delivery, from: sender)
        let attemptNumber = delivery.attempts + 1
        var logger = self.logger
        logger[metadataKey: "delivery_id"] = "\(delivery.id)"
        logger[metadataKey: "message_id"] = .string(mail.messageID)
        do {
            try await mailer.send(mail)
            if health.recordSuccess() { logger.notice("the mail setup works again; sending resumed") }
            let now = Timestamp.now()
            do {
                try await deliveries.markSent(id: delivery.id, at: now)
                metrics.recordSent(createdAt: delivery.sourceCreatedAt, sentAt: now)
            } catch {
                // Sent but not recorded: it will be sent again, which the
                // stable Message-ID lets a receiver recognise.
                logger.error("sent, but could not record it; it will be sent again", metadata: ["error": "\(error)"])
            }
            return .sent
        } catch .setup(let reason) {
            // Not the message's fault: it stays as it was, sending pauses.
            if health.recordFailure(reason) {
                logger.error("the mail setup does not work; sending is paused until it does", metadata: ["error": .string(reason)])
            }
            return .failed(reason)
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
                return .failed("\(error)")
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
            return .failed(error.description)
        }
    }
}

extension DeliveryWorker: CustomStringConvertible {
    public var description: String { "DeliveryWorker" }
}
