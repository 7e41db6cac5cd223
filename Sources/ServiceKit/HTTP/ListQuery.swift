import Foundation
public import Hummingbird

/// The paging parameters of a list request, `?limit=` (1 to 100, default
/// 50) and `?cursor=`, checked along with the list's own parameters.
public struct ListQuery: Sendable {
    public let limit: Int
    /// The `cursor` as given; `afterID()` reads an id list's, a list with
    /// another order reads its own.
    public let cursor: String?
    /// The query's parameters, for the list's own filters.
    public let parameters: [String: String]
    /// The values of the parameters that may repeat, in order.
    private let repeated: [String: [String]]

    /// Reads `request`'s query. Throws 400 `invalid_parameter` for a
    /// parameter not in `filters` or `repeatable` (besides limit and
    /// cursor), a parameter of `filters` given twice, or a bad limit.
    public init(_ request: Request, filters: Set<String> = [], repeatable: Set<String> = []) throws {
        var parameters: [String: String] = [:]
        var repeated: [String: [String]] = [:]
        for (name, value) in request.uri.queryParameters {
            let name = String(name)
            if repeatable.contains(name) {
                repeated[name, default: []].append(String(value))
                continue
            }
            guard name == "limit" || name == "cursor" || filters.contains(name) else {
                let known = (["limit", "cursor"] + filters.union(repeatable).sorted()).joined(separator: ", ")
                throw Problem.invalidParameter(name, "is not a parameter of this list (known: \(known))")
            }
            guard parameters[name] == nil else { throw Problem.invalidParameter(name, "is given more than once") }
            parameters[name] = String(value)
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...100).contains(limit) else {
                throw Problem.invalidParameter("limit", "must be an integer from 1 to 100")
            }
            self.limit = limit
        } else {
            self.limit = 50
        }
        // `cursor=` with nothing after it is the first page, as no cursor is.
        self.cursor = parameters["cursor"].flatMap { $0.isEmpty ? nil : $0 }
        self.parameters = parameters
        self.repeated = repeated
    }

    /// The id after which a page in id order starts: 0 for the first page,
    /// 400 `invalid_parameter` for a cursor this service did not make.
    public func afterID() throws -> Int64 {
        guard let cursor else { return 0 }
        guard let afterID = ListCursor.decode(cursor) else {
            throw Problem.invalidParameter("cursor", "is not a cursor this list gave out")
        }
        return afterID
    }

    /// Every value of the repeatable parameter `name`.
    public func values(_ name: String) -> [String] {
        repeated[name] ?? []
    }

    /// The positive integer parameter `name`, if given.
    public func id(_ name: String) throws -> Int64? {
        guard let text = parameters[name] else { return nil }
        guard let value = PathID.canonical(text) else { throw Problem.invalidParameter(name, "must be a positive integer") }
        return value
    }

    /// The parameter `name` as one of `T`'s cases, if given.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = parameters[name] else { return nil }
        guard let value = T(rawValue: text) else {
            throw Problem.invalidParameter(name, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// The opaque `cursor` of a list: the last id of the page, in a form that
/// clients do not take apart. Forged or damaged cursors fail to decode.
public enum ListCursor {
    private static let prefix = "after:"

    public static func encode(_ afterID: Int64) -> String {
        Base64URL.encode(Array((prefix + String(afterID)).utf8))
    }

    public static func decode(_ cursor: String) -> Int64? {
        guard cursor.utf8.count <= 64, let bytes = Base64URL.decode(cursor), let text = String(validating: bytes, as: UTF8.self),
            text.hasPrefix(prefix), let id = Int64(text.dropFirst(prefix.count)), id > 0
        else { return nil }
        return id
    }
}

/// Path ids: a positive integer in canonical decimal, or no such resource.
public enum PathID {
    /// The positive integer in path parameter `name`; nil when it is not one
    /// written the one way ids are (`7`; not `07`, `+7` or ` 7`).
    public static func parse(_ name: String, in context: some RequestContext) -> Int64? {
        guard let text = context.parameters.get(name) else { return nil }
        return canonical(text)
    }

    /// `text` as a positive id, when it is one in canonical decimal.
    public static func canonical(_ text: some StringProtocol) -> Int64? {
        guard let first = text.utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let id = Int64(text)
        else { return nil }
        return id
    }
}
