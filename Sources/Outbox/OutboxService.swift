public import Hummingbird
import Metrics

/// What a service that owns an outbox (users, bugs) needs besides its
/// database and its API.
public struct OutboxServiceOptions: Sendable {
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

extension ServiceApplication {
    /// A service whose changes queue e-mail in `outbox`: the `api` routes,
    /// the outbox feed, the operational routes (with the pending outbox rows
    /// as a gauge), and the pruner of acknowledged rows beside the server.
    /// `routes` is filled with the service's routes.
    public static func makeOutboxService(
        api: RouteCollection<ServiceRequestContext>,
        outbox: SQLiteOutboxRepository,
        openAPIDocument: [UInt8],
        isReady: @escaping @Sendable () async -> Bool,
        options: OutboxServiceOptions,
        routes: RouteTable
    ) -> Application<RouterResponder<ServiceRequestContext>> {
        let router = router(metrics: options.metrics, routes: routes)
        let pending = Gauge(label: "outbox_pending_messages", factory: options.metrics.factory)
        router.addRoutes(api)
        router.addRoutes(OutboxFeedController(outbox: outbox, token: InternalToken(options.internalToken)).endpoints)
        router.addRoutes(
            OperationsController(
                metrics: options.metrics,
                openAPIDocument: openAPIDocument,
                isReady: isReady,
                beforeScrape: {
                    if let count = try? await outbox.pendingCount() { pending.record(Int64(count)) }
                }
            ).endpoints
        )
        return make(
            router: router,
            routes: routes,
            configuration: options.http,
            services: [
                OutboxPruner(outbox: outbox, retention: options.outboxRetention, logger: options.http.logger),
                ShutdownAction { outbox.signal.shutDown() },
            ]
        )
    }
}
