import Foundation
public import HTTPTypes
public import Hummingbird

/// An RFC 9457 problem: the one shape every error response takes.
///
/// `code` is stable and machine-readable; `detail` names the field or value
/// at fault for a person. Neither ever holds SQL, a path or a Swift type.
public struct Problem: Error, HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let detail: String
    /// Extra headers: `Allow` on 405, `Retry-After` on 503.
    public var headers: HTTPFields

    public init(status: HTTPResponse.Status, code: String, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    struct Body: Encodable {
        let title: String
        let status: Int
        let detail: String
        let code: String

        enum CodingKeys: String, CodingKey {
            case type, title, status, detail, code
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("about:blank", forKey: .type)
            try container.encode(title, forKey: .title)
            try container.encode(status, forKey: .status)
            try container.encode(detail, forKey: .detail)
            try container.encode(code, forKey: .code)
        }
    }

    /// The problem+json document.
    var body: Body { Body(title: status.reasonPhrase, status: status.code, detail: detail, code: code) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let bytes = try OrderedJSONEncoder().encode(body)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: The contract's problems

    /// 400 `invalid_json`: the body is not JSON, or not an object.
    public static func invalidJSON(_ detail: String) -> Problem {
        Problem(status: .badRequest, code: "invalid_json", detail: detail)
    }

    /// 400 `invalid_field`: a field is missing, of the wrong type, unknown or invalid.
    public static func invalidField(_ field: String, _ reason: String) -> Problem {
        Problem(status: .badRequest, code: "invalid_field", detail: "\(field) \(reason)")
    }

    /// 400 `invalid_parameter`: a query parameter or header is unknown or invalid.
    public static func invalidParameter(_ name: String, _ reason: String) -> Problem {
        Problem(status: .badRequest, code: "invalid_parameter", detail: "\(name) \(reason)")
    }

    /// 401 `unauthorized`.
    public static func unauthorized(_ detail: String) -> Problem {
        Problem(status: .unauthorized, code: "unauthorized", detail: detail, headers: [.wwwAuthenticate: "Bearer"])
    }

    /// 401 `unauthenticated`: the route needs credentials and none came.
    public static var unauthenticated: Problem {
        Problem(
            status: .unauthorized, code: "unauthenticated",
            detail: "this route needs credentials: Authorization: Bearer <access token>", headers: [.wwwAuthenticate: "Bearer"]
        )
    }

    /// 401 `invalid_token`: credentials came and are refused.
    public static func invalidToken(_ reason: String) -> Problem {
        Problem(
            status: .unauthorized, code: "invalid_token", detail: "the access token is refused: \(reason)",
            headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#]
        )
    }

    /// 403 `forbidden` (or a code of its own): good credentials, not allowed this.
    public static func forbidden(_ detail: String, code: String = "forbidden") -> Problem {
        Problem(status: .forbidden, code: code, detail: detail)
    }

    /// 429 with `Retry-After`.
    public static func tooManyRequests(_ code: String, _ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem(status: .tooManyRequests, code: code, detail: detail, headers: [.retryAfter: String(retryAfterSeconds)])
    }

    /// 404 with a resource's own code (`user_not_found`).
    public static func notFound(_ code: String, _ detail: String) -> Problem {
        Problem(status: .notFound, code: code, detail: detail)
    }

    /// 405 `method_not_allowed`, with `Allow`.
    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> Problem {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return Problem(
            status: .methodNotAllowed, code: "method_not_allowed",
            detail: "\(path) does not take \(method.rawValue); it takes \(allow)", headers: [.allow: allow]
        )
    }

    /// 409 with a code of its own (`email_taken`).
    public static func conflict(_ code: String, _ detail: String) -> Problem {
        Problem(status: .conflict, code: code, detail: detail)
    }

    /// 412 `version_mismatch`.
    public static func versionMismatch(_ detail: String) -> Problem {
        Problem(status: .preconditionFailed, code: "version_mismatch", detail: detail)
    }

    /// 413 `body_too_large`.
    public static var bodyTooLarge: Problem {
        Problem(status: .contentTooLarge, code: "body_too_large", detail: "the request body is over the limit of 1 MiB")
    }

    /// 422 with a code of its own (`unknown_user`, `invalid_transition`).
    public static func unprocessable(_ code: String, _ detail: String) -> Problem {
        Problem(status: .unprocessableContent, code: code, detail: detail)
    }

    /// 503 with `Retry-After`: a dependency of this request is down.
    public static func unavailable(_ code: String, _ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem(status: .serviceUnavailable, code: code, detail: detail, headers: [.retryAfter: String(retryAfterSeconds)])
    }

    /// 500 `internal_error`: a bug. The detail gives the request id to look
    /// the logged error up by, and nothing else.
    public static func internalError(requestID: String) -> Problem {
        Problem(
            status: .internalServerError, code: "internal_error",
            detail: "an unexpected error occurred; it was logged with request id \(requestID)"
        )
    }
}
