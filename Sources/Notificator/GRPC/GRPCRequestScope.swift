import GRPCCore
import ServiceKit

/// What `RequestIdentityMiddleware` does for HTTP, for a gRPC call: the
/// caller's `x-request-id` (or a new one) and its `traceparent` continued
/// with a new span (or a new trace), bound to the call's task so that every
/// log line it writes carries `request_id` and `trace_id`.
struct GRPCRequestScope: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        func first(_ key: String) -> String? {
            request.metadata[stringValues: key].first(where: { _ in true })
        }
        let identity = OutgoingRequestIdentity.continuing(
            requestID: first("x-request-id"), traceparent: first("traceparent"), tracestate: first("tracestate"))
        return try await RequestScope.$identity.withValue(identity) {
            try await next(request, context)
        }
    }
}
