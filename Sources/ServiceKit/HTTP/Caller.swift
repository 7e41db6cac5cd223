/// Who is calling: a signed-in person, or another service with the internal
/// token, which acts as an admin.
public enum Caller: Sendable, Equatable, CustomStringConvertible {
    /// A person, as their access token says.
    case user(SignedInUser)
    /// A service of this system, with the internal token.
    case service

    /// What a person's access token says of them.
    public struct SignedInUser: Sendable, Equatable {
        public var id: Int64
        public var email: String
        public var role: Role

        public init(id: Int64, email: String, role: Role) {
            self.id = id
            self.email = email
            self.role = role
        }
    }

    /// What a person may do beyond their own things.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case member
        case admin
    }

    /// Admins and the internal token.
    public var isAdmin: Bool {
        switch self {
        case .user(let user): user.role == .admin
        case .service: true
        }
    }

    /// The person's id; nil for a service.
    public var userID: Int64? {
        if case .user(let user) = self { return user.id }
        return nil
    }

    /// Whether the caller may act as user `id`: that user, an admin, or a service.
    public func actsFor(_ id: Int64) -> Bool {
        isAdmin || userID == id
    }

    /// For logs: the user id or "service"; never a token.
    public var description: String {
        switch self {
        case .user(let user): "user \(user.id)"
        case .service: "service"
        }
    }
}

/// What the request's credentials came to, for routes that need them.
public enum CredentialsState: Sendable, Equatable {
    /// None were given.
    case absent
    /// Some were given and accepted: `identity` is set.
    case accepted
    /// Some were given and refused, for this reason (a bad signature, expired).
    case refused(String)
    /// They could not be checked now: the keys to check them with cannot be had.
    case uncheckable(retryAfterSeconds: Int)
}
