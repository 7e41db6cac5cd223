public import Hummingbird
public import ServiceKit

/// A filed bug.
public struct Bug: Sendable, Hashable, Codable, ResponseEncodable, JSONObjectWritable {
    public var id: Int64
    public var title: String
    public var description: String?
    public var status: BugStatus
    public var priority: BugPriority
    /// Lower case, sorted, no duplicates.
    public var labels: [String]
    public var reporterID: Int64?
    public var assigneeID: Int64?
    /// Kept by the database as comments are added.
    public var commentCount: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Starts at 1 and grows by one with each change; the ETag.
    public var version: Int

    public init(
        id: Int64, title: String, description: String?, status: BugStatus, priority: BugPriority, labels: [String] = [],
        reporterID: Int64?, assigneeID: Int64?, commentCount: Int = 0, createdAt: Timestamp, updatedAt: Timestamp, version: Int
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.status = status
        self.priority = priority
        self.labels = labels
        self.reporterID = reporterID
        self.assigneeID = assigneeID
        self.commentCount = commentCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// In the contract's order, which the encoding follows.
    enum CodingKeys: String, CodingKey {
        case id, title, description, status, priority, labels
        case reporterID = "reporter_id"
        case assigneeID = "assignee_id"
        case commentCount = "comment_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case version
    }

    /// What the synthesized `encode(to:)` writes, without its containers
    /// (a page of search results is twenty of these).
    public func writeJSONMembers(to writer: inout JSONObjectWriter) {
        writer.member("id", id)
        writer.member("title", title)
        writer.member("description", description)
        writer.member("status", status.rawValue)
        writer.member("priority", priority.rawValue)
        writer.member("labels", labels)
        writer.member("reporter_id", reporterID)
        writer.member("assignee_id", assigneeID)
        writer.member("comment_count", commentCount)
        writer.member("created_at", createdAt)
        writer.member("updated_at", updatedAt)
        writer.member("version", version)
    }

    /// This bug with `changes` made at `time`, and what they changed; with
    /// nothing changed, the bug as it is (same version, same `updated_at`).
    /// Otherwise version + 1 and `updated_at` `time`. Throws
    /// `BugRepositoryError.invalidTransition` for a status move the table
    /// forbids; setting the status it already has is no move.
    public func applying(_ changes: BugChanges, at time: Timestamp) throws -> (bug: Bug, changed: FieldChanges) {
        var bug = self
        if let title = changes.title { bug.title = title }
        if let description = changes.description { bug.description = description }
        if let priority = changes.priority { bug.priority = priority }
        if let labels = changes.labels { bug.labels = labels }
        if let assigneeID = changes.assigneeID { bug.assigneeID = assigneeID }
        if let status = changes.status, status != self.status {
            guard self.status.canMove(to: status) else {
                throw BugRepositoryError.invalidTransition(from: self.status, to: status)
            }
            bug.status = status
        }
        let changed = FieldChanges(from: self, to: bug)
        guard !changed.isEmpty else { return (self, changed) }
        bug.version += 1
        bug.updatedAt = time
        return (bug, changed)
    }
}

/// The rules for the fields of a bug, shared by creation and change.
enum BugFields {
    static func title(_ text: String) throws -> String {
        try TextRules.checkedLine(text, field: "title", maximum: 200)
    }

    static func description(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard TextRules.length(text) <= 20_000 else {
            throw FieldError(field: "description", reason: "must be at most 20000 characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw FieldError(field: "description", reason: "must not contain NUL characters")
        }
        return text
    }

    static func userID(_ id: Int64?, field: String) throws -> Int64? {
        guard let id else { return nil }
        guard id > 0 else { throw FieldError(field: field, reason: "must be a positive user id") }
        return id
    }

    /// At most 20 labels, each 1 to 50 of `a-z 0-9 - _ .` once lower-cased;
    /// duplicates merged, sorted.
    static func labels(_ labels: [String]?) throws -> [String]? {
        guard let labels else { return nil }
        var normalized = Set<String>()
        for (index, label) in labels.enumerated() {
            normalized.insert(try Self.label(label, field: "labels[\(index)]"))
        }
        guard normalized.count <= 20 else {
            throw FieldError(field: "labels", reason: "holds \(normalized.count) different labels; at most 20")
        }
        return normalized.sorted()
    }

    /// One label, lower-cased, or a `FieldError` naming `field`.
    static func label(_ text: String, field: String) throws -> String {
        let lowered = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar
                }))
        guard (1...50).contains(lowered.unicodeScalars.count) else {
            throw FieldError(field: field, reason: "must be 1 to 50 characters")
        }
        let allowed = lowered.utf8.allSatisfy { byte in
            (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
        guard allowed else {
            throw FieldError(field: field, reason: "may hold only a-z, 0-9, '-', '_' and '.'")
        }
        return lowered
    }
}

/// A bug to file: valid by construction.
public struct NewBug: Sendable, Hashable {
    public let title: String
    public let description: String?
    public let priority: BugPriority
    public let labels: [String]
    public let reporterID: Int64?
    public let assigneeID: Int64?

    /// Validates as the contract says; throws a `FieldError` naming the field.
    public init(
        title: String, description: String?, priority: BugPriority?, labels: [String]? = nil, reporterID: Int64?, assigneeID: Int64?
    ) throws {
        self.title = try BugFields.title(title)
        self.description = try BugFields.description(description)
        self.priority = priority ?? .normal
        self.labels = try BugFields.labels(labels) ?? []
        self.reporterID = try BugFields.userID(reporterID, field: "reporter_id")
        self.assigneeID = try BugFields.userID(assigneeID, field: "assignee_id")
    }
}

/// The fields a PATCH sets. A nil member is left as it is; for
/// `description` and `assigneeID`, `.some(nil)` clears the field; `labels`
/// replaces the set.
public struct BugChanges: Sendable, Hashable {
    public let title: String?
    public let description: String??
    public let priority: BugPriority?
    public let status: BugStatus?
    public let labels: [String]?
    public let assigneeID: Int64??

    /// Validates as the contract says; throws a `FieldError` naming the field.
    public init(
        title: String? = nil,
        description: String?? = nil,
        priority: BugPriority? = nil,
        status: BugStatus? = nil,
        labels: [String]? = nil,
        assigneeID: Int64?? = nil
    ) throws {
        self.title = try title.map(BugFields.title)
        self.description = try description.map(BugFields.description)
        self.priority = priority
        self.status = status
        self.labels = try BugFields.labels(labels)
        self.assigneeID = try assigneeID.map { try BugFields.userID($0, field: "assignee_id") }
    }
}

/// The list filters, combined with AND; nil (or no labels) matches anything.
public struct BugFilter: Sendable, Hashable {
    public var status: BugStatus?
    public var priority: BugPriority?
    public var reporterID: Int64?
    public var assigneeID: Int64?
    /// Bugs with every one of these labels.
    public var labels: [String]

    public init(
        status: BugStatus? = nil, priority: BugPriority? = nil, reporterID: Int64? = nil, assigneeID: Int64? = nil,
        labels: [String] = []
    ) {
        self.status = status
        self.priority = priority
        self.reporterID = reporterID
        self.assigneeID = assigneeID
        self.labels = labels
    }
}
