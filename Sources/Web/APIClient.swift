import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServiceKit
import TraceSupport
import Tracing

/// What an API answered: its status, the headers the pages use, and the body.
struct APIResponse: Sendable {
    let status: Int
    let etag: String?
    let retryAfter: String?
    let body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as a JSON object; empty when it is not one.
    var object: [String: Any] {
        (try? JSONReader.value(body)) as? [String: Any] ?? [:]
    }

    /// The `items` of a list response.
    var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }

    /// The problem the API answered with, when it is one.
    var problem: APIProblem? {
        guard !isSuccess else { return nil }
        let object = self.object
        return APIProblem(
            status: status, code: object["code"] as? String ?? "error",
            detail: object["detail"] as? String ?? "the service answered \(status)")
    }
}

/// An RFC 9457 problem from the users or bugs API, as the pages show it.
struct APIProblem: Sendable, Equatable {
    let status: Int
    let code: String
    let detail: String

    /// The form field the problem concerns: the first word of `detail` for
    /// `invalid_field` (the API's details start with the field's name), else
    /// the field the code is about; nil for the form as a whole.
    var field: String? {
        switch code {
        case "invalid_field":
            let first = detail.prefix { $0 != " " && $0 != "[" && $0 != "." }
            return first.isEmpty ? nil : String(first)
        case "email_taken": return "email"
        case "unknown_user": return detail.contains("reporter") ? nil : "assignee_id"
        case "invalid_transition": return "status"
        case "invalid_reset_token": return "token"
        case "invalid_credentials": return "password"
        default: return nil
        }
    }
}

/// A dependency that did not answer: the page says so and asks to retry.
struct APIUnavailable: Error, Sendable {
    let service: String
}

/// The users and bugs APIs as the pages call them: the signed-in person's
/// access token, the request's `X-Request-ID` and trace carried onward.
///
/// One HTTP client for the process (connections kept alive), a 1 s connect
/// and a 5 s call timeout; AsyncHTTPClient's own spans are off because the
/// server span of the page already covers the call.
final class APIClient: Sendable {
    /// The service called, by its name.
    enum Target: String, Sendable {
        case users, bugs
    }

    private let usersURL: String
    private let bugsURL: String

    /// One client for the process, like `HTTPClient.shared` but with our
    /// timeouts and without AsyncHTTPClient's own spans. Never shut down:
    /// it lives as long as the process, as the shared one does.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(1))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        // A service that is down refuses at once: say so at once, rather
        // than retrying the connection until the call's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    init(usersURL: String, bugsURL: String) {
        self.usersURL = usersURL.hasSuffix("/") ? String(usersURL.dropLast()) : usersURL
        self.bugsURL = bugsURL.hasSuffix("/") ? String(bugsURL.dropLast()) : bugsURL
    }

    /// Calls `path` on `target`; `json` is sent as the body. Throws
    /// `APIUnavailable` when the service cannot be reached. A client span
    /// (`GET /bugs/{id}`) when spans are recorded, whose id the `traceparent`
    /// sent carries.
    func call(
        _ method: HTTPMethod, _ target: Target, _ path: String,
        token: String?, json: [String: Any]? = nil, headers extra: [(String, String)] = [],
        identity: OutgoingRequestIdentity
    ) async throws -> APIResponse {
        var request = HTTPClientRequest(url: (target == .users ? usersURL : bugsURL) + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "X-Request-ID", value: identity.requestID)
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let json {
            let data = try JSONSerialization.data(withJSONObject: json)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        return try await Spans.record("\(method.rawValue) \(Self.template(path))", kind: .client, onlyInsideTrace: true) { span in
            span?.attributes["http.request.method"] = method.rawValue
            request.headers.add(name: "traceparent", value: Spans.traceparent() ?? identity.traceparent)
            do {
                let response = try await Self.client.execute(request, timeout: .seconds(5))
                let body = try await response.body.collect(upTo: 4 << 20)
                span?.attributes["http.response.status_code"] = Int(response.status.code)
                return APIResponse(
                    status: Int(response.status.code), etag: response.headers.first(name: "ETag"),
                    retryAfter: response.headers.first(name: "Retry-After"), body: Array(body.readableBytesView))
            } catch {
                throw APIUnavailable(service: target.rawValue)
            }
        }
    }

    /// `/bugs/7/watchers/2?x=1` → `/bugs/{id}/watchers/{user_id}`: the
    /// route, as span names want it.
    static func template(_ path: String) -> String {
        let segments = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: false)
        var seenID = false
        return segments.map { segment -> String in
            guard !segment.isEmpty, segment.allSatisfy(\.isNumber) else { return String(segment) }
            defer { seenID = true }
            return seenID ? "{user_id}" : "{id}"
        }.joined(separator: "/")
    }

    /// `?a=1&b=2`, percent-encoded; empty values left out.
    static func query(_ items: [(String, String)]) -> String {
        var components = URLComponents()
        components.queryItems = items.filter { !$0.1.isEmpty }.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` means a space to some servers: encode it.
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return encoded.isEmpty ? "" : "?" + encoded
    }
}
