import EmbeddedMigrations
public import Hummingbird
import Prometheus
public import SQLiteStore
public import ServiceKit
public import ServiceLifecycle

/// What a service that owns an outbox needs besides its database and its API.
public struct OutboxServiceOptions: Sendable {
    public var http: HTTPServiceConfiguration
    /// Guards the outbox feed; nil closes it.
    public var internalToken: String?
    /// How long acknowledged outbox rows are kept.
    public var outboxRetention: Duration
    public var metrics: ServiceMetrics
    /// The service's name, on its spans.
    public var service: String?

    public init(
        http: HTTPServiceConfiguration,
        internalToken: String?,
        outboxRetention: Duration = .seconds(7 * 86_400),
        metrics: ServiceMetrics = ServiceMetrics(),
        service: String? = nil
    ) {
        self.service = service
        self.http = http
        self.internalToken = internalToken
        self.outboxRetention = outboxRetention
        self.metrics = metrics
    }

    /// The options a definition's setup gives (`--outbox-retention` among them).
    public init(_ setup: ServiceSetup) throws {
        self.init(
            http: setup.http,
            internalToken: setup.internalToken,
            outboxRetention: try setup.options.duration(Outbox.retentionOption.name) ?? .seconds(7 * 86_400),
            metrics: setup.metrics,
            service: setup.name
        )
    }
}

/// The outbox as a module: its schema, its options, and the assembly of a
/// service that owns one.
public enum Outbox {
    /// The outbox's own migrations (`Migrations/outbox/`). A service takes
    /// them into its sequence with `NNNN_name.shared` files, or, outside the
    /// catalog, with `Migration.placed(in:version:)`.
    public static var migrations: [Migration] { MigrationCatalog.migrations(in: "outbox") }

    /// `--outbox-retention`.
    public static let retentionOption = CommandOption(
        "outbox-retention", valueName: "DURATION", help: "How long acknowledged outbox rows are kept.", default: .value("7d"),
        inDev: true
    )

    /// A service whose changes queue e-mail in `outbox`: the `api` routes,
    /// the outbox feed, the operational routes (with the pending outbox rows
    /// as a gauge), and the pruner of acknowledged rows beside the server.
    /// `routes` is filled with the service's routes.
    public static func application(
        api: RouteCollection<ServiceRequestContext>,
        outbox: SQLiteOutboxRepository,
        openAPIDocument: [UInt8],
        isReady: @escaping @Sendable () async -> Bool,
        options: OutboxServiceOptions,
        routes: RouteTable,
        authenticator: (any RouterMiddleware<ServiceRequestContext>)? = nil,
        services: [any Service] = []
    ) -> Application<RouterResponder<ServiceRequestContext>> {
        let router = ServiceApplication.router(
            service: options.service, metrics: options.metrics, routes: routes, authenticator: authenticator)
        let pending = options.metrics.gauge(
            "outbox_pending_messages", help: "Outbox rows written and not yet acknowledged by the notificator.")
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
        return ServiceApplication.make(
            router: router,
            routes: routes,
            configuration: options.http,
            metrics: options.metrics,
            services: [
                OutboxPruner(outbox: outbox, retention: options.outboxRetention, logger: options.http.logger),
                ShutdownAction { outbox.signal.shutDown() },
            ] + services
        )
    }
}
