import EmbeddedMigrations
public import Hummingbird
public import Outbox
public import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// What the bugs service needs besides its database and the users service.
public typealias BugsServiceOptions = OutboxServiceOptions

/// The bugs service: bugs are filed and changed; reporters and assignees are
/// checked with the users service, and the people concerned get e-mail.
public enum BugsService {
    /// The service's name: its command, database and migrations folder.
    public static let name = "bugs"

    /// `bugtracker bugs`, its database and its place in `bugtracker dev`,
    /// checking people with the `users` service.
    public static func definition(users: ServiceDefinition) -> ServiceDefinition {
        let usersURL = CommandOption(
            "users-url", valueName: "URL", help: "Where the \(users.name) service answers.",
            default: .derived("the \(users.name) service's address", { [$0.url(of: users.name)] })
        )
        return ServiceDefinition(
            name: name,
            summary: "Run the bugs service alone.",
            listeners: [.init(defaultPort: 8801)],
            migrations: migrations,
            hasOutbox: true,
            options: [usersURL, Outbox.retentionOption],
            build: { setup in
                let users = HTTPUsersClient(baseURL: setup.options.string(usersURL.name) ?? setup.topology.url(of: users.name))
                let app = buildBugsService(database: try setup.requireDatabase(), users: users, options: try BugsServiceOptions(setup))
                // The client closes after the server has stopped (the group stops its services last first).
                return [ShutdownAction { await users.shutdown() }, app]
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
    return Outbox.application(
        api: BugsController(repository: bugs, users: users).endpoints,
        outbox: outbox,
        openAPIDocument: PackageResources.openapi_json,
        isReady: database.readinessCheck(service: BugsService.name, migrations: BugsService.migrations),
        options: options,
        routes: routes
    )
}
