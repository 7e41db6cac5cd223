import EmbeddedMigrations
import Foundation
public import Hummingbird
public import Identity
import Outbox
public import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// What the bugs service needs besides its database and the users service.
public struct BugsServiceOptions: Sendable {
    public var http: HTTPServiceConfiguration
    /// The token it calls the users service with, and the notificator calls
    /// its outbox feed with.
    public var internalToken: String?
    public var outboxRetention: Duration
    public var metrics: ServiceMetrics
    /// Where the keys that check access tokens come from (the users
    /// service's JWKS).
    public var keys: any VerificationKeySource

    public init(
        http: HTTPServiceConfiguration,
        internalToken: String?,
        outboxRetention: Duration = .seconds(7 * 86_400),
        metrics: ServiceMetrics = ServiceMetrics(),
        keys: any VerificationKeySource
    ) {
        self.http = http
        self.internalToken = internalToken
        self.outboxRetention = outboxRetention
        self.metrics = metrics
        self.keys = keys
    }
}

/// The bugs service: bugs are filed and changed; reporters and assignees are
/// checked with the users service, and the people concerned get e-mail.
public enum BugsService {
    /// The service's name: its command, database and migrations folder.
    public static let name = "bugs"

    /// `bugtracker bugs`, its database and its place in `bugtracker dev`,
    /// checking people with the `users` service.
    public static func definition(users: ServiceDefinition) -> ServiceDefinition {
        let usersURL = UsersServiceOption(users: users.name, purpose: "people are looked up there; its keys check tokens")
        return ServiceDefinition(
            name: name,
            summary: "Run the bugs service alone.",
            listeners: [.init(defaultPort: 8801)],
            migrations: migrations,
            hasOutbox: true,
            // A search keeps its reader busy for about 250 µs; with one
            // reader per processor instead of per two, search served a third
            // more (README, "Search on every core").
            databaseReaders: ProcessInfo.processInfo.activeProcessorCount,
            options: [usersURL.option, Outbox.retentionOption],
            build: { setup in
                guard let token = setup.internalToken, !token.isEmpty else {
                    throw OptionError("the bugs service needs --internal-token: it looks people up in the \(users.name) service with it")
                }
                let client = HTTPUsersClient(baseURL: usersURL.url(setup), internalToken: token)
                let users = CachingUsersClient(client)
                let options = BugsServiceOptions(
                    http: setup.http, internalToken: token,
                    outboxRetention: try setup.options.duration(Outbox.retentionOption.name) ?? .seconds(7 * 86_400),
                    metrics: setup.metrics, keys: usersURL.keys(setup)
                )
                let app = buildBugsService(database: try setup.requireDatabase(), users: users, options: options)
                // The client closes after the server has stopped (the group stops its services last first).
                return [ShutdownAction { await client.shutdown() }, app]
            }
        )
    }

    /// Its database's migrations.
    static let migrations = MigrationCatalog.migrations(in: name)
}

/// The bugs service on `database`, which must be migrated, checking users
/// through `users`: its API, its outbox feed, its operational routes, and the
/// outbox pruner beside them. `routes` is filled with the service's routes.
public func buildBugsService(
    database: Database,
    users: any UsersClient,
    options: BugsServiceOptions,
    routes: RouteTable = RouteTable()
) -> Application<RouterResponder<ServiceRequestContext>> {
    let outbox = SQLiteOutboxRepository(database: database)
    let bugs = SQLiteBugRepository(database: database, outbox: outbox)
    let keys = SQLiteIdempotencyStore(database: database)
    let directory = UserDirectory(users: users)
    let idempotency = IdempotencyGate(store: keys)
    let api = RouteCollection(context: ServiceRequestContext.self)
        .addRoutes(BugsController(repository: bugs, directory: directory, idempotency: idempotency).endpoints)
        .addRoutes(CommentsController(repository: bugs, directory: directory, idempotency: idempotency).endpoints)
        .addRoutes(WatchersController(repository: bugs, directory: directory).endpoints)
    let retention = Duration.seconds(SQLiteIdempotencyStore.lifetimeSeconds)
    let pruner = PeriodicPruner(what: "idempotency keys", interval: .seconds(600), logger: options.http.logger) { now in
        try await keys.prune(before: now.adding(.zero - retention))
    }
    return Outbox.application(
        api: api,
        outbox: outbox,
        openAPIDocument: PackageResources.openapi_json,
        isReady: database.readinessCheck(service: BugsService.name, migrations: BugsService.migrations),
        options: OutboxServiceOptions(
            http: options.http, internalToken: options.internalToken, outboxRetention: options.outboxRetention, metrics: options.metrics,
            service: BugsService.name
        ),
        routes: routes,
        authenticator: BearerAuthenticator(
            internalToken: InternalToken(options.internalToken), verifier: TokenVerifier(source: options.keys)),
        services: [pruner, SearchIndexMerger(repository: bugs, logger: options.http.logger)]
    )
}
