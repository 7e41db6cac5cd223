import GRPCCore
import Identity
import ServiceKit
import Tracing

/// Who may call the notificator over gRPC, as over HTTP: the internal token
/// or an admin's access token (`authorization: Bearer …` metadata). No
/// credentials, or credentials that fail, is `UNAUTHENTICATED`; a member is
/// `PERMISSION_DENIED`; keys that cannot be fetched to check a token is
/// `UNAVAILABLE`. The health service stays open, like `/health` and `/ready`.
struct GRPCAuthorization: ServerInterceptor {
    static let openServices: Set<String> = ["grpc.health.v1.Health"]

    let authenticator: BearerAuthenticator

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if Self.openServices.contains(context.descriptor.service.fullyQualifiedService) {
            return try await next(request, context)
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        let (caller, credentials) = await authenticator.identify(authorization: header)
        switch (caller, credentials) {
        case (let caller?, _):
            if let userID = caller.userID { RequestScope.serverSpan?.attributes["user.id"] = String(userID) }
            guard caller.isAdmin else {
                return StreamingServerResponse(
                    error: RPCError(code: .permissionDenied, message: "only admins and services may call the notificator"))
            }
            return try await next(request, context)
        case (nil, .uncheckable):
            return StreamingServerResponse(
                error: RPCError(code: .unavailable, message: "the access token cannot be checked right now; try again later"))
        case (nil, .refused(let reason)):
            return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "the credentials were refused: \(reason)"))
        case (nil, _):
            return StreamingServerResponse(
                error: RPCError(code: .unauthenticated, message: "authorization metadata with a Bearer token is required"))
        }
    }
}
