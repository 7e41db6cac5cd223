import EmbeddedMigrations
public import Hummingbird
public import Outbox
public import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// What the users service needs besides its database.
public typealias UsersServiceOptions = OutboxServiceOptions

/// The users service: people register; each registration queues a welcome
/// e-mail in the outbox.
public enum UsersService {
    /// The service's name: its command, database and migrations folder.
    public static let name = "users"

    /// Its database's migrations, with the SQL function one of them calls.
    public static let migrations = MigrationCatalog.migrations(in: name).map { $0.requiring([EmailAddress.keyFunction]) }

    /// `bugtracker users`, its database and its place in `bugtracker dev`.
    public static let definition = ServiceDefinition(
        name: name,
        summary: "Run the users service alone.",
        listeners: [.init(defaultPort: 8800)],
        migrations: migrations,
        hasOutbox: true,
        options: [Outbox.retentionOption],
        build: { setup in
            [buildUsersService(database: try setup.requireDatabase(), options: try UsersServiceOptions(setup))]
        }
    )
}

/// The users service on `database`, which must be migrated: its API, its
/// outbox feed, its operational routes, and the outbox pruner beside them.
/// `routes` is filled with the service's routes.
public func buildUsersService(
    database: Database,
    options: UsersServiceOptions,
    routes: RouteTable = RouteTable()
) -> Application<RouterResponder<ServiceRequestContext>> {
    let outbox = SQLiteOutboxRepository(database: database)
    let users = SQLiteUserRepository(database: database, outbox: outbox)
    return Outbox.application(
        api: UsersController(repository: users).endpoints,
        outbox: outbox,
        openAPIDocument: PackageResources.openapi_json,
        isReady: database.readinessCheck(service: UsersService.name, migrations: UsersService.migrations),
        options: options,
        routes: routes
    )
}
