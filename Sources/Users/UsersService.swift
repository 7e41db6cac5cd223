import EmbeddedMigrations
public import Hummingbird
public import SQLiteStore
public import ServiceKit

/// What the users service needs besides its database.
public typealias UsersServiceOptions = OutboxServiceOptions

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
    return ServiceApplication.makeOutboxService(
        api: UsersController(repository: users).endpoints,
        outbox: outbox,
        openAPIDocument: PackageResources.openapi_json,
        isReady: { await database.isCurrent(for: .users) },
        options: options,
        routes: routes
    )
}
