public import ServiceKit

/// `--users-url` for a service that checks access tokens: where the users
/// service answers, by default where the topology puts it, and the key cache
/// that reads its `/.well-known/jwks.json`.
public struct UsersServiceOption: Sendable {
    /// The option, for the service's definition.
    public let option: CommandOption
    private let usersName: String

    /// - Parameters:
    ///   - users: the users service's name.
    ///   - purpose: what the service calls it for, for the help text.
    public init(users: String, purpose: String) {
        self.usersName = users
        self.option = CommandOption(
            "users-url", valueName: "URL", help: "Where the \(users) service answers (\(purpose)).",
            default: .derived("the \(users) service's address", { [$0.url(of: users)] })
        )
    }

    /// The users service's base URL, as the options or the topology give it.
    public func url(_ setup: ServiceSetup) -> String {
        setup.options.string(option.name) ?? setup.topology.url(of: usersName)
    }

    /// The key cache access tokens are checked with.
    public func keys(_ setup: ServiceSetup) -> JWKSClient {
        JWKSClient(usersURL: url(setup), logger: setup.logger)
    }
}
