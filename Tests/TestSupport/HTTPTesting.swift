import Foundation
public import HTTPTypes
public import HummingbirdTesting
public import NIOCore

extension TestClientProtocol {
    /// A request with a JSON body given as text (so tests can send exactly
    /// the bytes they mean, malformed ones included).
    public func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        json: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    public func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.get, uri, headers: headers)
    }

    public func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.post, uri, json: json, headers: headers)
    }

    public func patch(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.patch, uri, json: json, headers: headers)
    }
}

extension TestResponse {
    /// The body as text.
    public var text: String { String(buffer: body) }

    /// The body as a JSON object.
    public func object() throws -> [String: Any] {
        guard
            let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])
                as? [String: Any]
        else {
            throw TestFailure("the body is not a JSON object: \(text)")
        }
        return object
    }

    /// The `items` of a list response.
    public func items() throws -> [[String: Any]] {
        guard let items = try object()["items"] as? [[String: Any]] else { throw TestFailure("no items in \(text)") }
        return items
    }

    /// The problem+json body's `code`, after checking its shape and type.
    public func problemCode() throws -> String {
        guard headers[.contentType] == "application/problem+json" else {
            throw TestFailure("not a problem+json response: \(headers[.contentType] ?? "no type") \(text)")
        }
        let problem = try object()
        guard problem["type"] as? String == "about:blank", problem["status"] as? Int == Int(status.code),
            problem["title"] is String, problem["detail"] is String, let code = problem["code"] as? String
        else { throw TestFailure("not an RFC 9457 problem: \(text)") }
        return code
    }

    /// The problem's `detail`.
    public func problemDetail() throws -> String {
        try object()["detail"] as? String ?? ""
    }
}

/// A failed precondition in a test, with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The integer at `key` (JSON numbers decode as various types).
    public func int(_ key: String) -> Int64? {
        (self[key] as? NSNumber)?.int64Value
    }

    public func string(_ key: String) -> String? {
        self[key] as? String
    }
}

/// A test client that sends `Authorization: Bearer <token>` with every
/// request that has none of its own.
public struct BearerClient: TestClientProtocol {
    let client: any TestClientProtocol
    let token: String

    public var port: Int? { client.port }

    public func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse
    {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = "Bearer \(token)" }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestClientProtocol {
    /// This client, signed in with `token` (an access token or the internal token).
    public func bearer(_ token: String) -> BearerClient {
        BearerClient(client: self, token: token)
    }
}
