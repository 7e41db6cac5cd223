public import Hummingbird

extension OrderedJSONEncoder: ResponseEncoder {
    /// The response encoder of every service: a handler's model as compact
    /// JSON, keys in the order it encodes them.
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let bytes = try encode(value)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

/// A page of a list as the contract sends it:
/// `{"items": [...], "next_cursor": "..." | null}`.
public struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
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
}
