import Crypto
public import HTTPTypes
public import Hummingbird
public import ServiceKit

/// A request that carried an `Idempotency-Key`: who sent it, the key, and a
/// fingerprint of what was asked (method, path, body), which tells a retry
/// from another request under the same key.
public struct IdempotentRequest: Sendable, Hashable {
    /// `user:<id>` or `service`: keys are per caller.
    public let caller: String
    public let key: String
    /// SHA-256 of the method, path and body, hex.
    public let fingerprint: String

    public init(caller: String, key: String, fingerprint: String) {
        self.caller = caller
        self.key = key
        self.fingerprint = fingerprint
    }

    /// The key of `request`, if it has one: 1 to 255 printable ASCII
    /// characters, else 400 `invalid_parameter`.
    public static func key(of request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw Problem.invalidParameter("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
        }
        return key
    }

    /// For `key` on a request by `caller` to `method path` with `body`.
    public init(caller: Caller, key: String, method: HTTPRequest.Method, path: String, body: ByteBuffer) {
        let described = "\(method.rawValue) \(path)\n" + String(buffer: body)
        self.init(
            caller: caller.userID.map { "user:\($0)" } ?? "service", key: key,
            fingerprint: Hex.encode(SHA256.hash(data: Array(described.utf8)))
        )
    }
}

/// The answer kept for a key, given again to a retry.
public struct StoredResponse: Sendable, Hashable {
    public var status: Int
    public var location: String?
    public var eTag: String?
    /// The JSON body, as first sent.
    public var body: String

    public init(status: Int, location: String?, eTag: String?, body: String) {
        self.status = status
        self.location = location
        self.eTag = eTag
        self.body = body
    }

    /// The response: as first sent, or marked `Idempotent-Replayed: true`
    /// when sent again.
    public func response(replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let location { headers[.location] = location }
        if let eTag { headers[.eTag] = eTag }
        if replayed { headers[.idempotentReplayed] = "true" }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Where kept answers are found (they are stored by the repository, in the
/// transaction of what they answer).
public protocol IdempotencyStore: Sendable {
    /// The answer kept for `caller`'s `key` since `time`, with the
    /// fingerprint of the request it answered.
    func find(caller: String, key: String, since time: Timestamp) async throws -> (fingerprint: String, response: StoredResponse)?
    /// Deletes answers kept since before `time`; how many.
    func prune(before time: Timestamp) async throws -> Int
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
