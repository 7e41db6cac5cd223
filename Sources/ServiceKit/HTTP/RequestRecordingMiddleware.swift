public import Hummingbird
import Logging
import Prometheus
import Synchronization

/// Records every request once it is answered: one log line (method, path,
/// status, duration, with the request and trace ids the logger adds), and
/// the metrics by route, method and status: `http_requests_total` and the
/// `http_request_duration_seconds` histogram.
public struct RequestRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics: RequestMetrics

    public init(metrics: ServiceMetrics) {
        self.metrics = metrics.requests
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        metrics.record(
            route: context.endpointPath ?? "unmatched",
            method: request.method.rawValue,
            status: response.status.code,
            duration: elapsed
        )
        if context.logger.logLevel <= .info {
            let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            context.logger.info(
                "request",
                metadata: [
                    "method": .string(request.method.rawValue),
                    "path": .string(request.uri.path),
                    "status": .stringConvertible(response.status.code),
                    "duration_ms": .string(Self.milliseconds(microseconds)),
                ]
            )
        }
        return response
    }

    /// Microseconds as milliseconds with three decimals.
    static func milliseconds(_ microseconds: Int64) -> String {
        let whole = microseconds / 1000
        let fraction = String(microseconds % 1000)
        return "\(whole)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// The counters and histograms per (route, method, status), made once each:
/// the registry's own lookup takes a lock and hashes labels on every call.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let registry: PrometheusCollectorRegistry
    private let instruments = Mutex<[Key: (Counter, DurationHistogram)]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let key = Key(route: route == "NotFound" ? "unmatched" : route, method: method, status: status)
        let (counter, histogram) = instruments.withLock { instruments in
            if let existing = instruments[key] { return existing }
            let labels = [("route", key.route), ("method", key.method), ("status", String(key.status))]
            let made = (
                registry.makeCounter(
                    descriptor: ServiceMetrics.descriptor("http_requests_total", "HTTP requests answered, by route, method and status."),
                    labels: labels
                ),
                registry.makeDurationHistogram(
                    descriptor: ServiceMetrics.descriptor(
                        "http_request_duration_seconds", "How long HTTP requests took to answer, by route, method and status."),
                    labels: labels, buckets: ServiceMetrics.durationBuckets
                )
            )
            instruments[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }
}
