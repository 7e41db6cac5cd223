import EmbeddedMigrations
public import Hummingbird
public import SQLiteStore
public import ServiceKit

/// What the bugs service needs besides its database and the users service.
public typealias BugsServiceOptions = OutboxServiceOptions

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
    return ServiceApplication.makeOutboxService(
        api: BugsController(repository: bugs, users: users).endpoints,
        outbox: outbox,
        openAPIDocument: PackageResources.openapi_json,
        isReady: { await database.isCurrent(for: .bugs) },
        options: options,
        routes: routes
    )
}
