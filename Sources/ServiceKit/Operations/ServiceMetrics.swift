public import Prometheus

/// A service's own Prometheus registry. Every metric a service makes goes
/// through it, with its help text (`# HELP`, which `promtool check metrics`
/// asks for), so services sharing a process (dev mode) keep their figures
/// apart and tests need no global bootstrap.
///
/// The registry is used directly rather than through swift-metrics: its
/// factory gives every family an empty help text, and the registry refuses
/// a family registered twice with different ones.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Request counts and latencies by route, method and status.
    let requests: RequestMetrics
    private let process: ProcessMetrics

    /// Request latencies and other short durations: 0.5 ms up to 10 s.
    public static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.requests = RequestMetrics(registry: registry)
        self.process = ProcessMetrics(registry: registry)
    }

    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func durationHistogram(
        _ name: String, help: String, labels: [(String, String)] = [], buckets: [Duration] = ServiceMetrics.durationBuckets
    ) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    /// The family `name` (used whole: no namespace or unit is added) with its help.
    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The Prometheus text exposition of every metric, the process's own
    /// figures read just before.
    public func render() -> [UInt8] {
        process.update()
        return registry.emitToBuffer()
    }
}
