import AsyncHTTPClient
import EmbeddedMigrations
public import Hummingbird
import Logging
public import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// What the notificator needs besides its database.
public struct NotificatorOptions: Sendable {
    public var http: HTTPServiceConfiguration
    /// The outbox feeds to relay (`users=http://…`).
    public var sources: [SourceConfiguration]
    /// The token the sources' feeds ask for.
    public var internalToken: String
    /// Where mail goes.
    public var mailer: any Mailer
    /// `From:`.
    public var sender: MailAddress
    public var retry: RetryPolicy
    public var metrics: ServiceMetrics
    /// How long a feed call holds when nothing is new (seconds).
    public var pollWait: Int

    public init(
        http: HTTPServiceConfiguration,
        sources: [SourceConfiguration],
        internalToken: String,
        mailer: any Mailer,
        sender: MailAddress = .defaultSender,
        retry: RetryPolicy = RetryPolicy(),
        metrics: ServiceMetrics = ServiceMetrics(),
        pollWait: Int = 25
    ) {
        self.http = http
        self.sources = sources
        self.internalToken = internalToken
        self.mailer = mailer
        self.sender = sender
        self.retry = retry
        self.metrics = metrics
        self.pollWait = pollWait
    }
}

/// The notificator on `database`, which must be migrated: a relay per
/// source, the delivery worker, its API and operational routes. `routes` is
/// filled with its routes.
public func buildNotificatorService(
    database: Database,
    options: NotificatorOptions,
    routes: RouteTable = RouteTable()
) -> Application<RouterResponder<ServiceRequestContext>> {
    let repository = SQLiteDeliveryRepository(database: database)
    let wakeup = Wakeup()
    let metrics = DeliveryMetrics(factory: options.metrics.factory)
    let logger = options.http.logger
    let client = HTTPOutboxSource.makeClient()

    let router = ServiceApplication.router(metrics: options.metrics, routes: routes)
    router.addRoutes(DeliveriesController(deliveries: repository, wakeup: wakeup).endpoints)
    router.addRoutes(
        OperationsController(
            metrics: options.metrics,
            openAPIDocument: PackageResources.openapi_json,
            isReady: { await database.isCurrent(for: .notificator) },
            beforeScrape: {
                if let counts = try? await repository.countsByStatus() { metrics.recordCounts(counts) }
                if let pending = try? await repository.pendingBySource() {
                    for source in options.sources { metrics.recordLag(source: source.name, pending: pending[source.name] ?? 0) }
                }
            }
        ).endpoints
    )

    let relays: [any Service] = options.sources.map { configuration in
        OutboxRelay(
            source: HTTPOutboxSource(configuration: configuration, token: options.internalToken, client: client),
            deliveries: repository, cursors: repository, wakeup: wakeup, metrics: metrics, logger: logger,
            pollWait: options.pollWait
        )
    }
    let worker = DeliveryWorker(
        deliveries: repository, mailer: options.mailer, sender: options.sender, policy: options.retry,
        wakeup: wakeup, metrics: metrics, logger: logger
    )
    // Shut down in reverse: relays first, then the worker (its sends
    // finish), then the mailer's connections, then the feed client.
    var services: [any Service] = [ShutdownAction { try? await client.shutdown() }]
    if let mailerService = options.mailer as? any Service { services.append(mailerService) }
    services.append(worker)
    services += relays
    return ServiceApplication.make(router: router, routes: routes, configuration: options.http, services: services)
}
