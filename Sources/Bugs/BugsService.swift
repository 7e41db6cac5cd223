import EmbeddedMigrations
public import Hummingbird
import Logging
import Metrics
public import SQLiteStore
public import ServiceKit

/// What the bugs service needs besides its database and the users service.
public struct BugsServiceOptions: Sendable {
    public var http: HTTPServiceConfiguration
    /// Guards the outbox feed; nil closes it.
    public var internalToken: String?
    /// How long acknowledged outbox rows are kept.
    public var outboxRetention: Duration
    public var metrics: ServiceMetrics

    public init(
        http: HTTPServiceConfiguration,
        internalToken: String?,
        outboxRetention: Duration = .seconds(7 * 86_400),
        metrics: ServiceMetrics = ServiceMetrics()
    ) {
        self.http = http
        self.internalToken = internalToken
        self.outboxRetention = outboxRetention
        self.metrics = metrics
    }
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
    let router = ServiceApplication.router(metrics: options.metrics, routes: routes)
    let pending = Gauge(label: "outbox_pending_messages", factory: options.metrics.factory)
    router.addRoutes(BugsController(repository: bugs, users: users).endpoints)
    router.addRoutes(OutboxFeedController(outbox: outbox, token: InternalToken(options.internalToken)).endpoints)
    router.addRoutes(
        OperationsController(
            metrics: options.metrics,
            openAPIDocument: PackageResources.openapi_json,
            isReady: { await database.isCurrent(for: .bugs) },
            beforeScrape: {
                if let count = try? await outbox.pendingCount() { pending.record(Int64(count)) }
            }
        ).endpoints
    )
    return ServiceApplication.make(
        router: router,
        routes: routes,
        configuration: options.http,
        services: [
            OutboxPruner(outbox: outbox, retention: options.outboxRetention, logger: options.http.logger),
            ShutdownAction { outbox.signal.shutDown() },
        ]
    )
}
