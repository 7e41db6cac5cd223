public import Outbox
public import ServiceKit

/// Where users are kept, with their credentials.
public protocol UserRepository: Sendable {
    /// Stores `user` (with `passwordHash`, and `token` for its welcome mail)
    /// and queues the mails `mails` makes for it, in one transaction. Throws
    /// `UserRepositoryError.emailTaken` when the address, in its key form, is
    /// already registered.
    func create(
        _ user: NewUser, passwordHash: String?, token: PasswordToken?, mails: @escaping @Sendable (User) -> [MailDraft]
    ) async throws -> User
    /// The user with `id`, or nil.
    func get(id: Int64) async throws -> User?
    /// The user with `email` (any spelling of it), or nil.
    func find(email: String) async throws -> User?
    /// The user with `email` and their password hash (nil before one is set).
    func credentials(email: String) async throws -> (user: User, passwordHash: String?)?
    /// The password hash of user `id`, if they have one.
    func passwordHash(id: Int64) async throws -> String?
    /// Up to `limit` users with an id above `id`, in ascending id.
    func list(after id: Int64, limit: Int) async throws -> Page<User>
    /// Applies `changes` to user `id`; nil when there is no such user.
    func update(id: Int64, changes: UserChanges) async throws -> User?
    /// Stores `token` for the user with `email` and queues the mails `mails`
    /// makes, in one transaction; false when no user has that address.
    func issue(_ token: PasswordToken, email: String, mails: @escaping @Sendable (User) -> [MailDraft]) async throws -> Bool
    /// Spends the token whose hash is `tokenHash`, if it is unspent and
    /// unexpired at `time`, and sets its user's password hash, in one
    /// transaction; the user, or nil for a token that cannot be used.
    func redeem(tokenHash: String, at time: Timestamp, passwordHash: String) async throws -> User?
}

extension UserRepository {
    /// Stores `user` without a password or token.
    public func create(_ user: NewUser, mails: @escaping @Sendable (User) -> [MailDraft]) async throws -> User {
        try await create(user, passwordHash: nil, token: nil, mails: mails)
    }
}

/// What a PATCH sets; nil members stay as they are.
public struct UserChanges: Sendable, Hashable {
    /// `.some(nil)` clears the name.
    public var name: String??
    public var passwordHash: String?
    public var role: Caller.Role?

    public init(name: String?? = nil, passwordHash: String? = nil, role: Caller.Role? = nil) {
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
    }
}

/// What a `UserRepository` refuses.
public enum UserRepositoryError: Error, Sendable, Equatable {
    case emailTaken(String)
}
