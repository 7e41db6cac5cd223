public import Hummingbird
public import Metrics
import Synchronization

/// Counts requests and times them by route, method and status:
/// `http_requests_total` and the `http_request_duration_seconds` histogram.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics: RequestMetrics

    public init(factory: any MetricsFactory) {
        self.metrics = RequestMetrics(factory: factory)
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unmatched",
            method: request.method.rawValue,
            status: response.status.code,
            duration: ContinuousClock.now - start
        )
        return response
    }
}

/// The counters and timers per (route, method, status), made once each: the
/// factory's own lookup takes a lock and hashes labels on every call.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let factory: any MetricsFactory
    private let instruments = Mutex<[Key: (Counter, Metrics.Timer)]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let key = Key(route: route == "NotFound" ? "unmatched" : route, method: method, status: status)
        let (counter, timer) = instruments.withLock { instruments in
            if let existing = instruments[key] { return existing }
            let dimensions = [("route", key.route), ("method", key.method), ("status", String(key.status))]
            let made = (
                Counter(label: "http_requests_total", dimensions: dimensions, factory: factory),
                Metrics.Timer(label: "http_request_duration_seconds", dimensions: dimensions, factory: factory)
            )
            instruments[key] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
