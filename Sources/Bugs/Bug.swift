public import Hummingbird
public import ServiceKit

/// A filed bug.
public struct Bug: Sendable, Hashable, Codable, ResponseEncodable {
    public var id: Int64
    public var title: String
    public var description: String?
    public var status: BugStatus
    public var priority: BugPriority
    public var reporterID: Int64?
    public var assigneeID: Int64?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Starts at 1 and grows by one with each change; the ETag.
    public var version: Int

    /// In the contract's order, which the encoding follows.
    enum CodingKeys: String, CodingKey {
        case id, title, description, status, priority
        case reporterID = "reporter_id"
        case assigneeID = "assignee_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case version
    }

    /// This bug with `changes` made at `time`: version + 1, `updated_at`
    /// `time`. Throws `BugRepositoryError.invalidTransition` for a status move
    /// the table forbids; setting the status it already has is no move.
    public func applying(_ changes: BugChanges, at time: Timestamp) throws -> Bug {
        var bug = self
        if let title = changes.title { bug.title = title }
        if let description = changes.description { bug.description = description }
        if let priority = changes.priority { bug.priority = priority }
        if let assigneeID = changes.assigneeID { bug.assigneeID = assigneeID }
        if let status = changes.status, status != self.status {
            guard self.status.canMove(to: status) else {
                throw BugRepositoryError.invalidTransition(from: self.status, to: status)
            }
            bug.status = status
        }
        bug.version += 1
        bug.updatedAt = time
        return bug
    }
}

/// The rules for the text fields of a bug, shared by creation and change.
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
}

/// A bug to file: valid by construction.
public struct NewBug: Sendable, Hashable {
    public let title: String
    public let description: String?
    public let priority: BugPriority
    public let reporterID: Int64?
    public let assigneeID: Int64?

    /// Validates as the contract says; throws a `FieldError` naming the field.
    public init(title: String, description: String?, priority: BugPriority?, reporterID: Int64?, assigneeID: Int64?) throws {
        self.title = try BugFields.title(title)
        self.description = try BugFields.description(description)
        self.priority = priority ?? .normal
        self.reporterID = try BugFields.userID(reporterID, field: "reporter_id")
        self.assigneeID = try BugFields.userID(assigneeID, field: "assignee_id")
    }
}

/// The fields a PATCH sets. A nil member is left as it is; for
/// `description` and `assigneeID`, `.some(nil)` clears the field.
public struct BugChanges: Sendable, Hashable {
    public let title: String?
    public let description: String??
    public let priority: BugPriority?
    public let status: BugStatus?
    public let assigneeID: Int64??

    /// Validates as the contract says; throws a `FieldError` naming the field.
    public init(
        title: String? = nil,
        description: String?? = nil,
        priority: BugPriority? = nil,
        status: BugStatus? = nil,
        assigneeID: Int64?? = nil
    ) throws {
        self.title = try title.map(BugFields.title)
        self.description = try description.map(BugFields.description)
        self.priority = priority
        self.status = status
        self.assigneeID = try assigneeID.map { try BugFields.userID($0, field: "assignee_id") }
    }
}

/// The list filters, combined with AND; nil matches anything.
public struct BugFilter: Sendable, Hashable {
    public var status: BugStatus?
    public var priority: BugPriority?
    public var reporterID: Int64?
    public var assigneeID: Int64?

    public init(status: BugStatus? = nil, priority: BugPriority? = nil, reporterID: Int64? = nil, assigneeID: Int64? = nil) {
        self.status = status
        self.priority = priority
        self.reporterID = reporterID
        self.assigneeID = assigneeID
    }
}
