public import Hummingbird

/// Responses with a JSON body.
public enum JSONResponse {
    /// `value` as JSON, keys in the order it encodes them, with `status`
    /// and `headers`.
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let bytes = try OrderedJSONEncoder().encode(value)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A page of a list as the contract sends it:
/// `{"items": [...], "next_cursor": "..." | null}`.
public struct ListResponse<Item: Encodable & Sendable>: Encodable, Sendable {
    public let items: [Item]
    public let nextCursor: String?

    public init(_ page: Page<Item>) {
        self.items = page.items
        self.nextCursor = page.nextAfterID.map(ListCursor.encode)
    }

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
