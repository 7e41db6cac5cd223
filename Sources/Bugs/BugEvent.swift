import Foundation
public import Hummingbird
public import ServiceKit

/// One entry of a bug's history: its creation, a change, or a comment.
public struct BugEvent: Sendable, Hashable, ResponseEncodable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case created
        case changed
        case commented
    }

    public var id: Int64
    public var bugID: Int64
    /// Who did it; nil for a service.
    public var actorID: Int64?
    public var kind: Kind
    /// For `changed`: each changed field's old and new value.
    public var changes: FieldChanges?
    /// For `commented`: the comment.
    public var commentID: Int64?
    public var createdAt: Timestamp

    public init(
        id: Int64, bugID: Int64, actorID: Int64?, kind: Kind, changes: FieldChanges?, commentID: Int64?, createdAt: Timestamp
    ) {
        self.id = id
        self.bugID = bugID
        self.actorID = actorID
        self.kind = kind
        self.changes = changes
        self.commentID = commentID
        self.createdAt = createdAt
    }

    /// In the contract's order, which the encoding follows.
    enum CodingKeys: String, CodingKey {
        case id
        case bugID = "bug_id"
        case actorID = "actor_id"
        case kind, changes
        case commentID = "comment_id"
        case createdAt = "created_at"
    }

}

/// A field's value in a change: text, an id, a set of labels, or nothing.
public enum FieldValue: Sendable, Hashable, Encodable {
    case null
    case text(String)
    case integer(Int64)
    case labels([String])

    init(_ text: String?) { self = text.map(Self.text) ?? .null }
    init(_ id: Int64?) { self = id.map(Self.integer) ?? .null }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .text(let text): try container.encode(text)
        case .integer(let id): try container.encode(id)
        case .labels(let labels): try container.encode(labels)
        }
    }

    /// From what `JSONSerialization` read.
    init?(json: Any) {
        switch json {
        case is NSNull: self = .null
        case let text as String: self = .text(text)
        case let labels as [String]: self = .labels(labels)
        case let number as NSNumber: self = .integer(number.int64Value)
        default: return nil
        }
    }
}

/// The fields a write changed, each with its old and new value, in the
/// contract's field order: `{"status": ["open", "resolved"], ...}`.
public struct FieldChanges: Sendable, Hashable, Encodable {
    /// The fields, in the order they are written.
    static let fields = ["title", "description", "status", "priority", "labels", "assignee_id"]

    public private(set) var entries: [(field: String, old: FieldValue, new: FieldValue)] = []

    public var isEmpty: Bool { entries.isEmpty }
    public var fieldNames: [String] { entries.map(\.field) }

    /// The value `field` changed to, if it changed.
    public func new(_ field: String) -> FieldValue? {
        entries.first { $0.field == field }?.new
    }

    /// What differs between `before` and `after`.
    init(from before: Bug, to after: Bug) {
        add("title", FieldValue(before.title), FieldValue(after.title))
        add("description", FieldValue(before.description), FieldValue(after.description))
        add("status", .text(before.status.rawValue), .text(after.status.rawValue))
        add("priority", .text(before.priority.rawValue), .text(after.priority.rawValue))
        add("labels", .labels(before.labels), .labels(after.labels))
        add("assignee_id", FieldValue(before.assigneeID), FieldValue(after.assigneeID))
    }

    private init() {}

    private mutating func add(_ field: String, _ old: FieldValue, _ new: FieldValue) {
        if old != new { entries.append((field, old, new)) }
    }

    /// From the JSON the history stores; fields it does not know are left out.
    init(json text: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw FieldChangesUnreadable(text: text)
        }
        self.init()
        for field in Self.fields {
            guard let pair = object[field] as? [Any], pair.count == 2, let old = FieldValue(json: pair[0]),
                let new = FieldValue(json: pair[1])
            else { continue }
            entries.append((field, old, new))
        }
    }

    /// The JSON the history stores.
    func json() throws -> String {
        String(decoding: try OrderedJSONEncoder().encode(self), as: UTF8.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for entry in entries {
            try container.encode([entry.old, entry.new], forKey: AnyCodingKey(stringValue: entry.field))
        }
    }

    public static func == (lhs: FieldChanges, rhs: FieldChanges) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.field == $1.field && $0.old == $1.old && $0.new == $1.new }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.field)
            hasher.combine(entry.old)
            hasher.combine(entry.new)
        }
    }
}

/// A history row whose `changes` is not the JSON this service writes.
struct FieldChangesUnreadable: Error, CustomStringConvertible {
    let text: String
    var description: String { "a bug event's changes are not a JSON object" }
}
