import GRPCCore
import NotificatorGRPCAPI
import ServiceLifecycle
import SwiftProtobuf

/// The standard `grpc.health.v1.Health`: `SERVING` while the database
/// answers at its current schema, `NOT_SERVING` otherwise. The overall
/// status (service "") and the notificator's own name are known; any other
/// name is `NOT_FOUND` for `Check` and `SERVICE_UNKNOWN` for `Watch`, as
/// the protocol says.
struct HealthGRPCService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    static let knownServices: Set<String> = ["", "bugtracker.notificator.v1.Notificator"]

    /// Whether the database answers at its current schema.
    let databaseIsCurrent: @Sendable () async -> Bool
    /// How often `Watch` looks again.
    var watchInterval: Duration = .milliseconds(250)

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard Self.knownServices.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        let status = Grpc_Health_V1_HealthCheckResponse.ServingStatus(await databaseIsCurrent())
        return .with { $0.status = status }
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        // A watch ends when the caller goes away, and when the server shuts
        // down, which would otherwise wait for it for ever.
        func goesOn() -> Bool {
            !context.cancellation.isCancelled && !Task.isCancelled && !Task.isShuttingDownGracefully
        }
        guard Self.knownServices.contains(request.service) else {
            try await response.write(.with { $0.status = .serviceUnknown })
            // The stream stays open; the name will not become known.
            while goesOn() { try await Task.sleep(for: watchInterval) }
            return
        }
        // The first status at once, then each change.
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while goesOn() {
            let status = Grpc_Health_V1_HealthCheckResponse.ServingStatus(await databaseIsCurrent())
            if status != last {
                try await response.write(.with { $0.status = status })
                last = status
            }
            try await Task.sleep(for: watchInterval)
        }
    }
}

extension Grpc_Health_V1_HealthCheckResponse.ServingStatus {
    init(_ serving: Bool) {
        self = serving ? .serving : .notServing
    }
}
