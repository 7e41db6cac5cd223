public import Hummingbird

/// The routes every service has for operators: `/health`, `/ready`,
/// `/metrics` and its OpenAPI document.
public struct OperationsController: Sendable {
    private let metrics: ServiceMetrics
    private let isReady: @Sendable () async -> Bool
    private let beforeScrape: @Sendable () async -> Void
    private let openAPIDocument: [UInt8]

    /// - Parameters:
    ///   - isReady: whether the database answers and its schema is current.
    ///   - beforeScrape: updates gauges read from the database, just before
    ///     `/metrics` renders.
    ///   - openAPIDocument: the service's OpenAPI 3.1 document, as JSON.
    public init(
        metrics: ServiceMetrics,
        openAPIDocument: [UInt8],
        isReady: @escaping @Sendable () async -> Bool,
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.metrics = metrics
        self.openAPIDocument = openAPIDocument
        self.isReady = isReady
        self.beforeScrape = beforeScrape
    }

    public var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .get("/health", use: health)
            .get("/ready", use: ready)
            .get("/metrics", use: scrape)
            .get("/openapi.json", use: openAPIJSON)
            .get("/openapi.yaml", use: openAPIYAML)
    }

    struct Status: ResponseEncodable {
        let status: String
    }

    @Sendable func health(_ request: Request, context: ServiceRequestContext) -> Status {
        Status(status: "ok")
    }

    @Sendable func ready(_ request: Request, context: ServiceRequestContext) async -> EditedResponse<Status> {
        if await isReady() {
            return EditedResponse(response: Status(status: "ok"))
        }
        return EditedResponse(status: .serviceUnavailable, headers: [.retryAfter: "5"], response: Status(status: "unavailable"))
    }

    @Sendable func scrape(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        await beforeScrape()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render()))
        )
    }

    @Sendable func openAPIJSON(_ request: Request, context: ServiceRequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
    }

    /// JSON is YAML (YAML 1.2 is a superset of it), so the one document serves both.
    @Sendable func openAPIYAML(_ request: Request, context: ServiceRequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
    }
}
