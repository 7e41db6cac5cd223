public import Hummingbird
public import HummingbirdAuth
import Logging
public import ServiceKit
import Tracing

extension ServiceRequestContext: AuthRequestContext {}

/// Finds out who is calling, from `Authorization: Bearer …`: the internal
/// token (compared in constant time) is a service; anything else is an
/// access token, checked by `TokenVerifier`. It refuses nothing itself: the
/// route's `Access` decides (an open route does not care what came).
public struct BearerAuthenticator: AuthenticatorMiddleware {
    public typealias Context = ServiceRequestContext

    private let internalToken: InternalToken
    private let verifier: TokenVerifier

    public init(internalToken: InternalToken, verifier: TokenVerifier) {
        self.internalToken = internalToken
        self.verifier = verifier
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        (context.identity, context.credentials) = await identify(authorization: request.headers[.authorization])
        if let userID = context.identity?.userID { RequestScope.serverSpan?.attributes["user.id"] = String(userID) }
        // The caller's id joins the request's log lines from here on.
        return try await RequestScope.$identity.withValue(context.outgoing) {
            try await next(request, context)
        }
    }

    public func authenticate(request: Request, context: Context) async throws -> Caller? {
        await identify(authorization: request.headers[.authorization]).caller
    }

    /// Who an `Authorization` value (HTTP header or gRPC metadata) names,
    /// and how its credentials fared.
    public func identify(authorization header: String?) async -> (caller: Caller?, credentials: CredentialsState) {
        guard let header else { return (nil, .absent) }
        guard header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else {
            return (nil, .refused("only Bearer credentials are accepted"))
        }
        let token = String(header.dropFirst(7))
        if internalToken.matches(token) { return (.service, .accepted) }
        do {
            return (.user(try await verifier.verify(token)), .accepted)
        } catch let rejection as TokenRejection {
            return (nil, .refused(rejection.description))
        } catch {
            return (nil, .uncheckable(retryAfterSeconds: 5))
        }
    }
}
