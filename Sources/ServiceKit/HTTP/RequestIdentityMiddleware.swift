import HTTPTypes
public import Hummingbird
import Logging
import W3CTraceContext

/// Gives every request an id and a trace, and every response `X-Request-ID`.
///
/// The id is the caller's `X-Request-ID` when it is sensible (printable
/// ASCII, at most 128 characters), else a new one. The trace continues the
/// caller's `traceparent` with a new span, else starts a new trace. Both are
/// bound to the task handling the request (`RequestScope`), where the
/// loggers' metadata provider finds them for every line the request logs.
public struct RequestIdentityMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let arrived = OutgoingRequestIdentity.continuing(
            requestID: request.headers[.requestID], traceparent: request.headers[.traceparent], tracestate: request.headers[.tracestate])
        context.requestID = arrived.requestID
        context.trace = arrived.trace
        let identity = context.outgoing
        return try await RequestScope.$identity.withValue(identity) {
            var response = try await next(request, context)
            response.headers[.requestID] = arrived.requestID
            return response
        }
    }

    static func acceptable(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return id
    }
}

extension OutgoingRequestIdentity {
    /// The identity of a request that came with these headers (HTTP) or
    /// metadata (gRPC): the caller's request id when sensible, else a new
    /// one; the caller's trace continued with a new span, else a new trace.
    public static func continuing(requestID: String?, traceparent: String?, tracestate: String?) -> OutgoingRequestIdentity {
        let trace: TraceContext
        if let traceparent, let incoming = try? TraceContext(traceParentHeaderValue: traceparent, traceStateHeaderValue: tracestate) {
            trace = TraceContext(traceID: incoming.traceID, spanID: RequestIDs.spanID(), flags: incoming.flags, state: incoming.state)
        } else {
            trace = TraceContext(traceID: RequestIDs.traceID(), spanID: RequestIDs.spanID(), flags: [], state: TraceState())
        }
        return OutgoingRequestIdentity(
            requestID: requestID.flatMap(RequestIdentityMiddleware.acceptable) ?? RequestIDs.requestID(), trace: trace)
    }
}
