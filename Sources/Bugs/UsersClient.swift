public import ServiceKit

/// What bugs needs of a user: the id to check and the address to mail.
public struct UserReference: Sendable, Hashable, Decodable {
    public var id: Int64
    public var email: String
    public var name: String?

    public init(id: Int64, email: String, name: String?) {
        self.id = id
        self.email = email
        self.name = name
    }
}

/// The users service, as the bugs service sees it.
public protocol UsersClient: Sendable {
    /// The user with `id`; nil when the users service says there is none.
    /// Throws `UsersUnavailable` when it cannot answer.
    func user(id: Int64, identity: OutgoingRequestIdentity) async throws -> UserReference?
    /// The user with `id` when it is known without asking anyone (a cache's
    /// live entry); nil otherwise. Lets a caller skip starting a task per
    /// person when every one of them is known.
    func knownUser(id: Int64) -> UserReference?
}

extension UsersClient {
    /// Nothing is known without asking.
    public func knownUser(id: Int64) -> UserReference? { nil }
}

/// The users service could not answer: down, slow, or failing.
public struct UsersUnavailable: Error, Sendable {
    /// Seconds a client should wait before trying again.
    public var retryAfterSeconds: Int
    /// Why, for the log.
    public var reason: String

    public init(retryAfterSeconds: Int, reason: String) {
        self.retryAfterSeconds = retryAfterSeconds
        self.reason = reason
    }
}
