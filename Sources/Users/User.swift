public import Hummingbird
public import ServiceKit

/// A registered user.
public struct User: Sendable, Hashable, Codable, ResponseEncodable {
    public var id: Int64
    public var email: String
    public var name: String?
    public var createdAt: Timestamp

    public init(id: Int64, email: String, name: String?, createdAt: Timestamp) {
        self.id = id
        self.email = email
        self.name = name
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name
        case createdAt = "created_at"
    }
}

/// A user to register: valid by construction.
public struct NewUser: Sendable, Hashable {
    /// The address, trimmed.
    public let email: String
    /// The name, trimmed; nil when absent or empty.
    public let name: String?

    /// Validates and normalizes `email` and `name` as the contract says.
    /// Throws a `FieldError` naming the field at fault.
    public init(email: String, name: String?) throws {
        self.email = try EmailAddress.validate(email)
        // Absent, null or blank: no name.
        guard let name, !TextRules.trimmed(name).isEmpty else {
            self.name = nil
            return
        }
        self.name = try TextRules.checkedLine(name, field: "name", maximum: 200)
    }

    /// The key that makes addresses unique whatever their spelling.
    public var emailKey: String { EmailAddress.key(email) }
}
