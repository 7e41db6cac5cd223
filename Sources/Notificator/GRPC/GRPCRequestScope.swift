import GRPCCore
import ServiceKit
import TraceSupport
import Tracing
import W3CTraceContext

/// What `RequestIdentityMiddleware` does for HTTP, for a gRPC call: the
/// caller's `x-request-id` (or a new one) and its `traceparent` continued
/// with a new span (or a new trace), bound to the call's task so that every
/// log line it writes carries `request_id` and `trace_id`. When spans are
/// recorded, the call is a server span named by its method
/// (`bugtracker.notificator.v1.Notificator/SendEmail`) with its status code.
struct GRPCRequestScope: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        func first(_ key: String) -> String? {
            request.metadata[stringValues: key].first(where: { _ in true })
        }
        var identity = OutgoingRequestIdentity.continuing(
            requestID: first("x-request-id"), traceparent: first("traceparent"), tracestate: first("tracestate"))
        guard TraceRecording.isOn else {
            return try await RequestScope.$identity.withValue(identity) {
                try await next(request, context)
            }
        }
        let method = context.descriptor
        let (span, trace) = ServerSpan.start(
            method.fullyQualifiedMethod, traceparent: first("traceparent"), tracestate: first("tracestate"),
            service: NotificatorService.name)
        span.attributes["rpc.system"] = "grpc"
        span.attributes["rpc.service"] = method.service.fullyQualifiedService
        span.attributes["rpc.method"] = method.method
        if let trace { identity.trace = trace }
        defer { span.end() }
        let scope = identity
        return try await ServerSpan.run(span) {
            try await RequestScope.$identity.withValue(scope) {
                do {
                    let response = try await next(request, context)
                    if case .failure(let error) = response.accepted {
                        Self.record(error.code, on: span)
                    } else {
                        span.attributes["rpc.grpc.status_code"] = 0
                    }
                    return response
                } catch let error as RPCError {
                    Self.record(error.code, on: span)
                    throw error
                } catch {
                    Self.record(.unknown, on: span)
                    throw error
                }
            }
        }
    }

    /// The status code on the span; the server's faults (not the caller's)
    /// make it an error, as OpenTelemetry's gRPC conventions say.
    private static func record(_ code: RPCError.Code, on span: any Span) {
        span.attributes["rpc.grpc.status_code"] = Int(Status.Code(code).rawValue)
        switch code {
        case .unknown, .deadlineExceeded, .unimplemented, .internalError, .unavailable, .dataLoss:
            span.setStatus(SpanStatus(code: .error, message: "\(code)"))
        default:
            break
        }
    }
}
