public import Hummingbird
import Yams

/// The routes every service has for operators: `/health`, `/ready`,
/// `/metrics` and its OpenAPI document.
public struct OperationsController: Sendable {
    /// What `/ready` reports: ready, or why not.
    public enum Readiness: Sendable, Equatable {
        case ready
        /// Not ready, for a reason `/ready` gives (`the database does not answer`).
        case unavailable(String)
    }

    private let metrics: ServiceMetrics
    private let readiness: @Sendable () async -> Readiness
    private let beforeScrape: @Sendable () async -> Void
    private let openAPIDocument: [UInt8]
    private let openAPIYAMLDocument: [UInt8]

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
        self.init(
            metrics: metrics, openAPIDocument: openAPIDocument,
            readiness: { await isReady() ? .ready : .unavailable("the database does not answer, or its schema is not current") },
            beforeScrape: beforeScrape
        )
    }

    /// - Parameter readiness: ready, or why not (for `/ready`'s body).
    public init(
        metrics: ServiceMetrics,
        openAPIDocument: [UInt8],
        readiness: @escaping @Sendable () async -> Readiness,
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.metrics = metrics
        self.openAPIDocument = openAPIDocument
        self.openAPIYAMLDocument = Self.yaml(fromJSON: openAPIDocument)
        self.readiness = readiness
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
        /// Why not ready; left out when ready.
        var reason: String? = nil

        enum CodingKeys: CodingKey {
            case status, reason
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            if let reason { try container.encode(reason, forKey: .reason) }
        }
    }

    @Sendable func health(_ request: Request, context: ServiceRequestContext) -> Status {
        Status(status: "ok")
    }

    @Sendable func ready(_ request: Request, context: ServiceRequestContext) async -> EditedResponse<Status> {
        switch await readiness() {
        case .ready:
            return EditedResponse(response: Status(status: "ok"))
        case .unavailable(let reason):
            return EditedResponse(
                status: .serviceUnavailable, headers: [.retryAfter: "5"], response: Status(status: "unavailable", reason: reason))
        }
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

    @Sendable func openAPIYAML(_ request: Request, context: ServiceRequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPIYAMLDocument))
        )
    }

    /// The document as block-style YAML, keys in the JSON's order. JSON is
    /// YAML already (it parses as flow style), so it is read as YAML and
    /// written out again in the block style people read.
    static func yaml(fromJSON json: [UInt8]) -> [UInt8] {
        guard let node = try? Yams.compose(yaml: String(decoding: json, as: UTF8.self)),
            let text = try? Yams.serialize(node: blockStyle(node), width: -1, allowUnicode: true)
        else { return json }
        return Array(text.utf8)
    }

    private static func blockStyle(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { (plainKey($0.key), blockStyle($0.value)) }, mapping.tag, .block))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(blockStyle), sequence.tag, .block))
        case .scalar, .alias:
            return node
        }
    }

    /// A key like `paths` or `/users/{id}` written without quotes; one that
    /// YAML would read as something else (`201`, `true`, `null`) keeps them.
    private static func plainKey(_ node: Node) -> Node {
        guard case .scalar(var scalar) = node, let first = scalar.string.unicodeScalars.first,
            first.properties.isAlphabetic || first == "/" || first == "_",
            scalar.string.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_/{}.-".unicodeScalars.contains($0)
            }),
            !["true", "false", "null", "yes", "no", "on", "off", "y", "n"].contains(scalar.string.lowercased())
        else { return node }
        scalar.style = .plain
        return .scalar(scalar)
    }
}
