public import Hummingbird
public import ServiceKit

/// A registered user.
public struct User: Sendable, Hashable, Codable, ResponseEncodable {
    public var id: Int64
    public var email: String
    public var name: String?
    public var role: Caller.Role
    public var createdAt: Timestamp

    public init(id: Int64, email: String, name: String?, role: Caller.Role = .member, createdAt: Timestamp) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }

    /// In the contract's order, which the encoding follows.
    enum CodingKeys: String, CodingKey {
        case id, email, name, role
        case createdAt = "created_at"
    }

    /// What its access token says of it.
    public var signedIn: Caller.SignedInUser {
        Caller.SignedInUser(id: id, email: email, role: role)
    }

    /// The user as `caller` may see it: `email` only for the user
    /// themself, admins and services.
    public func seen(by caller: Caller?) -> UserView {
        UserView(user: self, showsEmail: caller?.actsFor(id) == true)
    }
}

/// A user as the API shows it to one caller: without the `email` key for
/// anyone but the user themself, admins and services.
public struct UserView: Sendable, Hashable, ResponseEncodable {
    public let user: User
    public let showsEmail: Bool

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: User.CodingKeys.self)
        try container.encode(user.id, forKey: .id)
        if showsEmail { try container.encode(user.email, forKey: .email) }
        try container.encode(user.name, forKey: .name)
        try container.encode(user.role, forKey: .role)
        try container.encode(user.createdAt, forKey: .createdAt)
    }
}

/// The contract's rule for a password: 8 to 1,024 characters, every one
/// counted (nothing is cut, as bcrypt's 72 bytes would be).
public enum PasswordRule {
    /// `text` when it is a password by the rule; a `FieldError` on `field` otherwise.
    public static func validate(_ text: String, field: String = "password") throws -> String {
        let length = text.unicodeScalars.count
        guard length >= 8 else { throw FieldError(field: field, reason: "must be at least 8 characters") }
        guard length <= 1024 else { throw FieldError(field: field, reason: "must be at most 1024 characters") }
        return text
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
