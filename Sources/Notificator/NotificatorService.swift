import AsyncHTTPClient
import EmbeddedMigrations
public import Hummingbird
public import Identity
import Logging
import Outbox
public import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// The notificator: relays the outboxes of the other services and delivers
/// their mail, into a Maildir or over SMTP.
public enum NotificatorService {
    /// `--source`.
    static let sourceOption = CommandOption(
        "source", kind: .list, valueName: "NAME=URL",
        help: "An outbox feed to relay; repeatable (BUGTRACKER_SOURCE takes a comma-separated list).",
        default: .derived("every service with an outbox", { topology in topology.outboxSources.map { "\($0)=\(topology.url(of: $0))" } })
    )

    /// The service's name: its command, database and migrations folder.
    public static let name = "notificator"

    /// `--delivery-retention`.
    static let retentionOption = CommandOption(
        "delivery-retention", valueName: "DURATION",
        help: "How long sent and dead deliveries (their addresses and bodies) are kept.", default: .value("30d"), inDev: true
    )

    /// `--grpc-tls-cert`.
    static let grpcCertificateOption = CommandOption(
        "grpc-tls-cert", valueName: "PATH", help: "A PEM certificate chain: gRPC is served over TLS with it (needs --grpc-tls-key)."
    )

    /// `--grpc-tls-key`.
    static let grpcKeyOption = CommandOption(
        "grpc-tls-key", valueName: "PATH", help: "The PEM private key of --grpc-tls-cert."
    )

    /// Its database's migrations.
    static let migrations = MigrationCatalog.migrations(in: name)

    /// `bugtracker notificator`, its database and its place in `bugtracker
    /// dev`; admins' tokens are checked with the `users` service's keys.
    public static func definition(users: ServiceDefinition) -> ServiceDefinition {
        let usersURL = UsersServiceOption(users: users.name, purpose: "its keys check admins' tokens")
        return ServiceDefinition(
            name: name,
            summary: "Run the notificator alone: relay the services' outboxes and deliver the mail.",
            listeners: [.init(defaultPort: 8803), .init(option: "grpc-port", defaultPort: 8802, serves: "gRPC")],
            migrations: migrations,
            options: [usersURL.option, sourceOption] + MailSettings.options + [retentionOption, grpcCertificateOption, grpcKeyOption],
            build: { setup in
                var sources: [SourceConfiguration] = []
                for text in setup.options.texts(sourceOption.name) {
                    guard let source = SourceConfiguration(parsing: text) else {
                        throw OptionError("\(setup.options.describe(sourceOption.name, text)) is not NAME=http://host:port")
                    }
                    sources.append(source)
                }
                guard let token = setup.internalToken, !token.isEmpty else {
                    throw OptionError("the notificator needs --internal-token: the token the services it relays were given")
                }
                let tls = try GRPCTLSFiles(
                    certificate: setup.options.string(grpcCertificateOption.name), key: setup.options.string(grpcKeyOption.name))
                let mail = try MailSettings(setup.options)
                let mailer = try await mail.makeMailer(logger: setup.logger)
                let app = buildNotificatorService(
                    database: try setup.requireDatabase(),
                    options: NotificatorOptions(
                        http: setup.http, sources: sources, internalToken: token, mailer: mailer,
                        sender: mail.sender, retry: mail.retry, metrics: setup.metrics,
                        deliveryRetention: try setup.options.duration(retentionOption.name) ?? .seconds(30 * 86_400),
                        keys: usersURL.keys(setup),
                        grpc: GRPCListener(
                            host: setup.host, port: setup.ports["grpc-port"] ?? 0, tls: tls,
                            onListening: { port in await setup.onListening("grpc-port", port) }
                        )
                    )
                )
                return [app]
            }
        )
    }
}

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
    /// How long sent and dead deliveries are kept.
    public var deliveryRetention: Duration
    /// Where the keys that check admins' access tokens come from (the users
    /// service's JWKS); nil takes the internal token alone.
    public var keys: (any VerificationKeySource)?
    /// Where gRPC is served; nil serves none (tests of the HTTP side).
    public var grpc: GRPCListener?

    public init(
        http: HTTPServiceConfiguration,
        sources: [SourceConfiguration],
        internalToken: String,
        mailer: any Mailer,
        sender: MailAddress = .defaultSender,
        retry: RetryPolicy = RetryPolicy(),
        metrics: ServiceMetrics = ServiceMetrics(),
        pollWait: Int = 25,
        deliveryRetention: Duration = .seconds(30 * 86_400),
        keys: (any VerificationKeySource)? = nil,
        grpc: GRPCListener? = nil
    ) {
        self.http = http
        self.sources = sources
        self.internalToken = internalToken
        self.mailer = mailer
        self.sender = sender
        self.retry = retry
        self.metrics = metrics
        self.pollWait = pollWait
        self.deliveryRetention = deliveryRetention
        self.keys = keys
        self.grpc = grpc
    }
}

/// Where the notificator serves gRPC.
public struct GRPCListener: Sendable {
    public var host: String
    /// 0: any free port.
    public var port: Int
    /// Plaintext when nil.
    public var tls: GRPCTLSFiles?
    /// Called with the bound port.
    public var onListening: @Sendable (Int) async -> Void

    public init(
        host: String = "127.0.0.1", port: Int = 0, tls: GRPCTLSFiles? = nil, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.onListening = onListening
    }
}

/// The notificator on `database`, which must be migrated: a relay per
/// source, the delivery worker, its gRPC server, its API and operational routes. `routes` is
/// filled with its routes.
public func buildNotificatorService(
    database: Database,
    options: NotificatorOptions,
    routes: RouteTable = RouteTable()
) -> Application<RouterResponder<ServiceRequestContext>> {
    let repository = SQLiteDeliveryRepository(database: database)
    let wakeup = Wakeup()
    let health = MailSetupHealth(backoff: options.retry)
    let databaseIsCurrent = database.readinessCheck(service: NotificatorService.name, migrations: NotificatorService.migrations)
    let metrics = DeliveryMetrics(metrics: options.metrics)
    let logger = options.http.logger
    let client = HTTPOutboxSource.makeClient()

    let authenticator = BearerAuthenticator(
        internalToken: InternalToken(options.internalToken), verifier: TokenVerifier(source: options.keys ?? NoPublishedKeys()))
    let router = ServiceApplication.router(
        service: NotificatorService.name, metrics: options.metrics, routes: routes, authenticator: authenticator)
    router.addRoutes(DeliveriesController(deliveries: repository, wakeup: wakeup).endpoints)
    router.addRoutes(
        OperationsController(
            metrics: options.metrics,
            openAPIDocument: PackageResources.openapi_json,
            readiness: {
                guard await databaseIsCurrent() else { return .unavailable("the database does not answer, or its schema is not current") }
                if let problem = health.problem { return .unavailable("mail cannot be sent: \(problem)") }
                return .ready
            },
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
        wakeup: wakeup, metrics: metrics, logger: logger, health: health
    )
    let pruner = DeliveryPruner(deliveries: repository, retention: options.deliveryRetention, logger: logger)
    // Shut down in reverse: relays first, then the worker (its sends
    // finish), then the mailer's connections, then the feed client.
    var services: [any Service] = [ShutdownAction { try? await client.shutdown() }]
    if let mailerService = options.mailer as? any Service { services.append(mailerService) }
    services.append(worker)
    services.append(pruner)
    services += relays
    if let grpc = options.grpc {
        let rpcs = NotificatorRPCs(
            deliveries: repository, authenticator: authenticator, databaseIsCurrent: databaseIsCurrent, wakeup: wakeup, logger: logger)
        // Last, so it stops first: calls in flight finish while the
        // worker and the database are still there.
        services.append(
            GRPCServerService(
                host: grpc.host, port: grpc.port, tls: grpc.tls, services: rpcs.services, interceptors: rpcs.interceptors,
                onListening: grpc.onListening
            )
        )
    }
    return ServiceApplication.make(
        router: router, routes: routes, configuration: options.http, metrics: options.metrics, services: services)
}
