public import Hummingbird
public import ServiceKit

/// Who may call a route: the one place each route says so, where it is
/// added (`.on("/users/:id", method: .get, access: .signedIn, use: get)`).
public enum Access: Sendable, Equatable {
    /// Anyone, with or without credentials.
    case open
    /// Anyone signed in, or a service.
    case signedIn
    /// Admins, and services (the internal token acts as an admin).
    case admin

    /// The caller, when the rule lets them through; else the problem that
    /// says why not: 401 without credentials or with refused ones, 403 for
    /// good ones that may not, 503 when they cannot be checked now.
    public func check(_ context: ServiceRequestContext) throws -> Caller? {
        guard self != .open else { return context.identity }
        guard let caller = context.identity else {
            switch context.credentials {
            case .refused(let reason): throw Problem.invalidToken(reason)
            case .uncheckable(let seconds):
                throw Problem.unavailable(
                    "users_unavailable", "the access token cannot be checked now: the users service's keys cannot be fetched",
                    retryAfterSeconds: seconds)
            case .absent, .accepted: throw Problem.unauthenticated
            }
        }
        if self == .admin && !caller.isAdmin { throw Problem.forbidden("this route is for admins") }
        return caller
    }
}

extension ServiceRequestContext {
    /// The caller of a route that needs one (its `Access` let them through).
    public func caller() throws -> Caller {
        guard let identity else { throw Problem.unauthenticated }
        return identity
    }
}

extension RouteCollection where Context == ServiceRequestContext {
    /// Adds a route that only callers `access` lets through reach:
    /// Hummingbird's `on(_:method:use:)` with the rule beside the path.
    @discardableResult
    public func on<Output: ResponseGenerator>(
        _ path: RouterPath, method: HTTPRequest.Method, access: Access,
        use handler: @escaping @Sendable (Request, Context) async throws -> Output
    ) -> Self {
        on(path, method: method, use: guarded(access, handler))
    }

    private func guarded<Output: ResponseGenerator>(
        _ access: Access, _ handler: @escaping @Sendable (Request, Context) async throws -> Output
    ) -> @Sendable (Request, Context) async throws -> Output {
        { request, context in
            _ = try access.check(context)
            return try await handler(request, context)
        }
    }
}
