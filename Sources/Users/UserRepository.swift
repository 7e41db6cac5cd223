public import Outbox
public import ServiceKit

/// Where users are kept.
public protocol UserRepository: Sendable {
    /// Stores `user` and queues the mails `mails` makes for it in the same
    /// transaction. Throws `UserRepositoryError.emailTaken` when the address,
    /// compared case-insensitively, is already registered.
    func create(_ user: NewUser, mails: @escaping @Sendable (User) -> [MailDraft]) async throws -> User
    /// The user with `id`, or nil.
    func get(id: Int64) async throws -> User?
    /// The user with `email`, compared case-insensitively, or nil.
    func find(email: String) async throws -> User?
    /// Up to `limit` users with an id above `id`, in ascending id.
    func list(after id: Int64, limit: Int) async throws -> Page<User>
}

/// What a `UserRepository` refuses.
public enum UserRepositoryError: Error, Sendable, Equatable {
    case emailTaken(String)
}
