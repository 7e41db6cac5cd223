public import Hummingbird
import Logging

/// One log line per request: method, path, status and duration, with the
/// request id and trace id the request's logger carries.
public struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        if context.logger.logLevel <= .info {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            context.logger.info(
                "request",
                metadata: [
                    "method": .string(request.method.rawValue),
                    "path": .string(request.uri.path),
                    "status": .stringConvertible(response.status.code),
                    "duration_ms": .string(String(Int((milliseconds * 1000).rounded())).millisecondsText),
                ]
            )
        }
        return response
    }
}

extension String {
    /// Microseconds as text, written as milliseconds with three decimals.
    fileprivate var millisecondsText: String {
        let padded = count < 4 ? String(repeating: "0", count: 4 - count) + self : self
        return padded.dropLast(3) + "." + padded.suffix(3)
    }
}
