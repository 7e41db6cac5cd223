public import GRPCCore
public import Identity
public import Logging

/// The notificator's gRPC services (`Notificator`, `grpc.health.v1.Health`)
/// and the interceptor that guards them, ready for a server on any
/// transport: HTTP/2 in the service, in-process in tests.
public struct NotificatorRPCs: Sendable {
    public let services: [any RegistrableRPCService]
    public let interceptors: [any ServerInterceptor]

    /// Over `deliveries`; `wakeup` tells the worker a mail is queued;
    /// `databaseIsCurrent` is what the health service reports.
    public init(
        deliveries: any DeliveryRepository,
        authenticator: BearerAuthenticator,
        databaseIsCurrent: @escaping @Sendable () async -> Bool,
        wakeup: Wakeup = Wakeup(),
        logger: Logger
    ) {
        services = [
            NotificatorGRPCService(deliveries: deliveries, wakeup: wakeup, logger: logger),
            HealthGRPCService(databaseIsCurrent: databaseIsCurrent),
        ]
        interceptors = [GRPCRequestScope(), GRPCAuthorization(authenticator: authenticator)]
    }
}
