import Foundation
public import Hummingbird
import NIOCore

/// The request decoder of every service: the body (at most 1 MiB) read as
/// JSON whatever its Content-Type says (`curl -d` sends a form type), checked
/// against RFC 8259 (`StrictJSON`), then decoded. Failures come back as
/// problems: 413 over the limit, 400 `invalid_json` for what is not one JSON
/// object, 400 `invalid_field` naming the field at fault.
public struct StrictJSONDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw Problem.bodyTooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge
        } catch is NIOTooManyBytesError {
            // A chunked body has no length to check first: it is over the
            // limit once it has been read that far.
            throw Problem.bodyTooLarge
        }
        guard buffer.readableBytes > 0 else { throw Problem.invalidJSON("the body is empty; it must be a JSON object") }
        return try buffer.withUnsafeReadableBytes { bytes in
            do {
                try StrictJSON.validate(bytes)
            } catch {
                throw Problem.invalidJSON("the body is not valid JSON: \(error)")
            }
            do {
                if let closed = T.self as? any ClosedRequest.Type {
                    // Same type, so the cast cannot fail.
                    return try Self.decodeClosed(closed, from: Data(bytes)) as! T
                }
                return try JSONDecoder().decode(T.self, from: Data(bytes))
            } catch let error as DecodingError {
                throw Problem(decodingError: error)
            }
        }
    }

    private static func decodeClosed<Body: ClosedRequest>(_ type: Body.Type, from data: Data) throws -> Body {
        try JSONDecoder().decode(ClosedBody<Body>.self, from: data).body
    }
}

/// A request body whose fields are all named by its `CodingKeys`: the
/// request decoder answers 400 for a JSON object with any other key, so a
/// request with an unknown field is refused, not half understood. The type
/// keeps Swift's synthesized `init(from:)` unless it needs its own.
public protocol ClosedRequest: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

/// Checks the keys, then decodes the body as itself.
private struct ClosedBody<Body: ClosedRequest>: Decodable {
    let body: Body

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Body.CodingKeys.self)
        body = try Body(from: decoder)
    }
}

extension Problem {
    /// The problem to answer for a body that JSONDecoder refused. The detail
    /// names the field, never a Swift type.
    public init(decodingError error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context) where !context.codingPath.isEmpty:
            self = .invalidField(Self.fieldName(context.codingPath), "must be \(Self.describe(type))")
        case .typeMismatch:
            self = .invalidJSON("the body must be a JSON object")
        case .valueNotFound(let type, let context) where !context.codingPath.isEmpty:
            self = .invalidField(Self.fieldName(context.codingPath), "must be \(Self.describe(type)), not null")
        case .valueNotFound:
            self = .invalidJSON("the body must be a JSON object")
        case .keyNotFound(let key, let context):
            self = .invalidField(Self.fieldName(context.codingPath + [key]), "is required")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            self = .invalidField(Self.fieldName(context.codingPath), "is out of range or malformed")
        case .dataCorrupted:
            self = .invalidJSON("the body is not valid JSON")
        @unknown default:
            self = .invalidJSON("the body is not valid JSON")
        }
    }

    static func fieldName(_ path: [any CodingKey]) -> String {
        var name = ""
        for key in path {
            if let index = key.intValue {
                name += "[\(index)]"
            } else {
                name += name.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return name.isEmpty ? "the body" : name
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "of another type"
        }
    }
}

/// A coding key for any JSON object key.
public struct AnyCodingKey: CodingKey, Hashable {
    public let stringValue: String
    public let intValue: Int?

    public init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    public init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Refuses a JSON object with a key that `keys` does not name: a request
    /// with an unknown field is answered 400, not half understood.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where Keys(stringValue: key.stringValue) == nil {
            let known = Keys.allCases.map(\.stringValue).joined(separator: ", ")
            throw FieldError(field: Problem.fieldName(codingPath + [key]), reason: "is not a field of this request (known: \(known))")
        }
    }
}
