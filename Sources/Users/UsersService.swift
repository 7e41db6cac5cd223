import EmbeddedMigrations
public import Hummingbird
import Identity
import Outbox
public import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// What the users service needs besides its database.
public struct UsersServiceOptions: Sendable {
    public var http: HTTPServiceConfiguration
    /// The token other services call with; nil closes the internal routes.
    public var internalToken: String?
    public var outboxRetention: Duration
    public var metrics: ServiceMetrics
    /// How long an access token is valid (`--token-ttl`).
    public var tokenLifetime: Duration
    /// Who may sign up (`--registration`).
    public var registration: Registration
    /// How hard password hashes are (tests make them easy).
    public var hasher: PasswordHasher
    /// Where mails point people to set a password.
    public var links: PasswordLinks
    /// Failed sign-ins remembered.
    public var throttle: SignInThrottle

    public init(
        http: HTTPServiceConfiguration,
        internalToken: String?,
        outboxRetention: Duration = .seconds(7 * 86_400),
        metrics: ServiceMetrics = ServiceMetrics(),
        tokenLifetime: Duration = .seconds(3600),
        registration: Registration = .open,
        hasher: PasswordHasher = PasswordHasher(),
        links: PasswordLinks = PasswordLinks(),
        throttle: SignInThrottle = SignInThrottle()
    ) {
        self.http = http
        self.internalToken = internalToken
        self.outboxRetention = outboxRetention
        self.metrics = metrics
        self.tokenLifetime = tokenLifetime
        self.registration = registration
        self.hasher = hasher
        self.links = links
        self.throttle = throttle
    }
}

/// The users service: people register and sign in; each registration queues
/// a welcome e-mail in the outbox; access tokens are signed here.
public enum UsersService {
    /// The service's name: its command, database and migrations folder.
    public static let name = "users"

    /// Its database's migrations, with the SQL function one of them calls.
    public static let migrations = MigrationCatalog.migrations(in: name).map { $0.requiring([EmailAddress.keyFunction]) }

    static let tokenTTLOption = CommandOption(
        "token-ttl", valueName: "DURATION", help: "How long an access token is valid.", default: .value("1h"), inDev: true
    )
    static let registrationOption = CommandOption(
        "registration", valueName: "MODE", help: "open: anyone signs up; closed: only admins add users.", default: .value("open"),
        inDev: true
    )

    /// Where the web pages answer, for the links in set-password mails.
    /// Named by string: the web service's definition builds on this one.
    static let webURLOption = CommandOption(
        "web-url", valueName: "URL", help: "Where the web pages answer, for the set-password links in mails.",
        default: .derived("the web pages' address", { topology in topology.urls["web"].map { [$0] } ?? [] })
    )

    /// `bugtracker users`, its database, its admin commands and its place in `bugtracker dev`.
    public static let definition = ServiceDefinition(
        name: name,
        summary: "Run the users service alone.",
        listeners: [.init(defaultPort: 8800)],
        migrations: migrations,
        hasOutbox: true,
        options: [Outbox.retentionOption, tokenTTLOption, registrationOption, webURLOption],
        adminCommands: [
            AdminCommand(name: "grant-admin", abstract: "Make a user an admin.", arguments: [.init("email", help: "The user's e-mail.")]) {
                database, arguments in
                let outbox = SQLiteOutboxRepository(database: database)
                guard let user = try await SQLiteUserRepository(database: database, outbox: outbox).grantAdmin(email: arguments[0]) else {
                    throw OptionError("no user has the e-mail \(arguments[0])")
                }
                return "user #\(user.id) (\(user.email)) is an admin; tokens issued from now on say so"
            },
            AdminCommand(
                name: "rotate-signing-key",
                abstract: "Make a new key sign access tokens; the old one stays published until the tokens it signed expire."
            ) { database, _ in
                let key = try await SQLiteSigningKeyRepository(database: database).rotate(at: .now())
                return "signing key \(key.kid) is current; a running users service signs with it within 10 seconds"
            },
        ],
        devNotes: { url in
            [
                "sign up: curl -XPOST \(url)/users -d '{\"email\": \"you@example.com\", \"password\": \"at least 8 characters\"}'",
                "get a token: curl -XPOST \(url)/tokens -d '{\"email\": \"you@example.com\", \"password\": \"...\"}', "
                    + "then send Authorization: Bearer <access_token>",
            ]
        },
        build: { setup in
            let options = setup.options
            let usersOptions = UsersServiceOptions(
                http: setup.http,
                internalToken: setup.internalToken,
                outboxRetention: try options.duration(Outbox.retentionOption.name) ?? .seconds(7 * 86_400),
                metrics: setup.metrics,
                tokenLifetime: try options.duration(tokenTTLOption.name) ?? .seconds(3600),
                registration: try options.choice(registrationOption.name, as: Registration.self) ?? .open,
                links: PasswordLinks(webURL: options.string(webURLOption.name))
            )
            return [try await buildUsersService(database: try setup.requireDatabase(), options: usersOptions)]
        }
    )
}

/// The users service on `database`, which must be migrated: its API, its
/// outbox feed, its operational routes, and the outbox pruner beside them.
/// Makes the first signing key if there is none. `routes` is filled with the
/// service's routes.
public func buildUsersService(
    database: Database,
    options: UsersServiceOptions,
    routes: RouteTable = RouteTable()
) async throws -> Application<RouterResponder<ServiceRequestContext>> {
    let outbox = SQLiteOutboxRepository(database: database)
    let users = SQLiteUserRepository(database: database, outbox: outbox)
    let keys = SQLiteSigningKeyRepository(database: database)
    // The first start makes the first key; if the schema is not there yet
    // (`/ready` will say so), the first token makes it instead.
    _ = try? await keys.ensureCurrent(at: .now())
    let issuer = TokenIssuer(keys: keys, lifetime: options.tokenLifetime)
    let controller = UsersController(
        repository: users, hasher: options.hasher, issuer: issuer, throttle: options.throttle, registration: options.registration,
        links: options.links
    )
    return Outbox.application(
        api: controller.endpoints,
        outbox: outbox,
        openAPIDocument: PackageResources.openapi_json,
        isReady: database.readinessCheck(service: UsersService.name, migrations: UsersService.migrations),
        options: OutboxServiceOptions(
            http: options.http, internalToken: options.internalToken, outboxRetention: options.outboxRetention, metrics: options.metrics,
            service: UsersService.name
        ),
        routes: routes,
        authenticator: BearerAuthenticator(internalToken: InternalToken(options.internalToken), verifier: TokenVerifier(source: issuer))
    )
}
