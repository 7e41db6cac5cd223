public import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SQLiteStore

/// Turns every error a route throws into a problem+json response, so that no
/// client ever sees a stack trace, SQL, a path or a Swift type name. Errors
/// that are bugs are logged with the request id, and answered 500.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    private let routes: RouteTable

    public init(routes: RouteTable) {
        self.routes = routes
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try problem(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as FieldError:
            return .invalidField(error.field, error.reason)
        case let error as HTTPError where error.status == .notFound:
            let path = request.uri.path
            let allowed = routes.allowedMethods(forPath: path)
            if allowed.isEmpty {
                return .notFound("not_found", "no route \(request.method.rawValue) \(path)")
            }
            return .methodNotAllowed(request.method, path: path, allowed: allowed)
        case let error as HTTPError where error.status == .contentTooLarge:
            return .bodyTooLarge
        case is NIOTooManyBytesError:
            return .bodyTooLarge
        case let error as HTTPParserError:
            return ProtocolErrorHandler.problem(for: error)
        case let error as HTTPError where error.status.code < 500:
            return Problem(status: error.status, code: "bad_request", detail: error.status.reasonPhrase.lowercased())
        case let error where isStorageUnavailable(error):
            context.logger.error("storage failure", metadata: ["error": "\(error)"])
            return .unavailable("storage_unavailable", "the service cannot write to its storage right now", retryAfterSeconds: 5)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError(requestID: context.requestID)
        }
    }
}
