import Prometheus
public import ServiceKit

/// The notificator's own figures: deliveries by status, attempts by outcome,
/// latency from the source's `created_at` to sent, and each source's lag and
/// reachability.
public final class DeliveryMetrics: Sendable {
    private let metrics: ServiceMetrics
    private let latency: DurationHistogram
    private let sent: Counter
    private let retried: Counter
    private let died: Counter

    private static let attemptsHelp = "Delivery attempts, by outcome: sent, retry (failed, tried again later) or dead (given up)."

    public init(metrics: ServiceMetrics) {
        self.metrics = metrics
        latency = metrics.durationHistogram(
            "notificator_delivery_latency_seconds", help: "From the source's commit of a message to its delivery, in seconds.")
        sent = metrics.counter("notificator_delivery_attempts_total", help: Self.attemptsHelp, labels: [("result", "sent")])
        retried = metrics.counter("notificator_delivery_attempts_total", help: Self.attemptsHelp, labels: [("result", "retry")])
        died = metrics.counter("notificator_delivery_attempts_total", help: Self.attemptsHelp, labels: [("result", "dead")])
    }

    func recordSent(createdAt: Timestamp, sentAt: Timestamp) {
        sent.increment()
        latency.record(max(.zero, sentAt.duration(since: createdAt)))
    }

    func recordRetry() { retried.increment() }

    func recordDead() { died.increment() }

    /// Deliveries in each status, read from the database before a scrape.
    func recordCounts(_ counts: [DeliveryStatus: Int]) {
        for (status, count) in counts {
            metrics.gauge("notificator_deliveries", help: "Deliveries kept, by status.", labels: [("status", status.rawValue)])
                .set(Int64(count))
        }
    }

    /// A source's lag: its messages taken and not yet sent.
    func recordLag(source: String, pending: Int) {
        metrics.gauge(
            "notificator_source_lag_messages", help: "Messages taken from a source and not yet sent.", labels: [("source", source)]
        )
        .set(Int64(pending))
    }

    /// Whether the relay's last call to a source succeeded.
    func recordSourceUp(_ source: String, _ isUp: Bool) {
        metrics.gauge(
            "notificator_source_up", help: "1 when the relay's last call to a source's feed succeeded, else 0.",
            labels: [("source", source)]
        )
        .set(isUp ? 1.0 : 0.0)
    }
}
