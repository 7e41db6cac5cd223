public import Metrics
import ServiceKit

/// The notificator's own figures: deliveries by status, attempts by outcome,
/// latency from the source's `created_at` to sent, and each source's lag and
/// reachability.
public final class DeliveryMetrics: Sendable {
    private let factory: any MetricsFactory
    private let latency: Metrics.Timer
    private let sent: Counter
    private let retried: Counter
    private let died: Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        latency = Metrics.Timer(label: "notificator_delivery_latency_seconds", factory: factory)
        sent = Counter(label: "notificator_delivery_attempts_total", dimensions: [("result", "sent")], factory: factory)
        retried = Counter(label: "notificator_delivery_attempts_total", dimensions: [("result", "retry")], factory: factory)
        died = Counter(label: "notificator_delivery_attempts_total", dimensions: [("result", "dead")], factory: factory)
    }

    func recordSent(createdAt: Timestamp, sentAt: Timestamp) {
        sent.increment()
        let elapsed = sentAt.duration(since: createdAt)
        latency.recordNanoseconds(max(0, elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000))
    }

    func recordRetry() { retried.increment() }

    func recordDead() { died.increment() }

    /// Deliveries in each status, read from the database before a scrape.
    func recordCounts(_ counts: [DeliveryStatus: Int]) {
        for (status, count) in counts {
            Gauge(label: "notificator_deliveries", dimensions: [("status", status.rawValue)], factory: factory).record(Int64(count))
        }
    }

    /// A source's lag: its messages taken and not yet sent.
    func recordLag(source: String, pending: Int) {
        Gauge(label: "notificator_source_lag_messages", dimensions: [("source", source)], factory: factory).record(Int64(pending))
    }

    /// Whether the relay's last call to a source succeeded.
    func recordSourceUp(_ source: String, _ isUp: Bool) {
        Gauge(label: "notificator_source_up", dimensions: [("source", source)], factory: factory).record(isUp ? 1 : 0)
    }
}
