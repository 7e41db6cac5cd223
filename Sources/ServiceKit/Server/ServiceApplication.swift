public import Hummingbird
import Logging
import NIOCore
public import ServiceLifecycle

/// How every service is put together: the same middleware in the same order,
/// the same operational routes, the same server setup.
public enum ServiceApplication {
    /// A router with the middleware every service runs, outermost first:
    /// request id and trace, the log line and metrics, problem+json errors,
    /// then `authenticator`, which finds out who is calling.
    /// `service` names the spans' service (`bugtracker.service`).
    public static func router(
        service: String? = nil,
        metrics: ServiceMetrics,
        routes: RouteTable,
        authenticator: (any RouterMiddleware<ServiceRequestContext>)? = nil
    ) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: RequestIdentityMiddleware(service: service))
        router.add(middleware: RequestRecordingMiddleware<ServiceRequestContext>(metrics: metrics))
        router.add(middleware: ProblemMiddleware(routes: routes))
        if let authenticator { add(authenticator, to: router) }
        return router
    }

    /// Opens the existential, which `Router.add(middleware:)` cannot take.
    private static func add<Middleware: RouterMiddleware>(_ middleware: Middleware, to router: Router<ServiceRequestContext>)
    where Middleware.Context == ServiceRequestContext {
        router.add(middleware: middleware)
    }

    /// The application serving `router` as `configuration` says, running
    /// `services` beside the server. On graceful shutdown the server stops
    /// accepting and finishes requests in flight; then `services` stop, last
    /// one first.
    public static func make(
        router: Router<ServiceRequestContext>,
        routes: RouteTable,
        configuration: HTTPServiceConfiguration,
        metrics: ServiceMetrics,
        services: [any Service] = []
    ) -> Application<RouterResponder<ServiceRequestContext>> {
        routes.register(router)
        let idle = configuration.idleTimeout.components
        let onListening = configuration.onListening
        let (requests, logger) = (metrics.requests, configuration.logger)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ProtocolErrorHandler(metrics: requests, logger: logger)],
                    idleTimeout: .seconds(idle.seconds) + .nanoseconds(idle.attoseconds / 1_000_000_000)
                )
            ),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: configuration.logger
        )
    }
}

/// A service that, when the group shuts down gracefully, runs `action`:
/// closing a client or a database after the server has stopped.
public struct ShutdownAction: Service {
    private let action: @Sendable () async -> Void

    public init(_ action: @escaping @Sendable () async -> Void) {
        self.action = action
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}

extension ShutdownAction: CustomStringConvertible {
    public var description: String { "ShutdownAction" }
}
