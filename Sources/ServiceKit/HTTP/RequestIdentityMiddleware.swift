import HTTPTypes
public import Hummingbird
import Logging
import TraceSupport
import Tracing
import W3CTraceContext

/// Gives every request an id and a trace, and every response `X-Request-ID`.
///
/// The id is the caller's `X-Request-ID` when it is sensible (printable
/// ASCII, at most 128 characters), else a new one. The trace continues the
/// caller's `traceparent` with a new span, else starts a new trace. Both are
/// bound to the task handling the request (`RequestScope`), where the
/// loggers' metadata provider finds them for every line the request logs.
///
/// When spans are recorded, each request is a server span continuing the
/// caller's trace, named by its method and route template (`POST /bugs`,
/// `GET /bugs/{id}`), and the request's trace is that span's. The outbox
/// feed's long polls are not traced: they are waits, not work.
public struct RequestIdentityMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    /// The service the spans belong to (`bugtracker.service`).
    private let service: String?

    public init(service: String? = nil) {
        self.service = service
    }

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
        guard TraceRecording.isOn && !request.uri.path.hasPrefix("/internal/outbox") else {
            return try await serve(request, context: context, next: next)
        }
        let method = request.method.rawValue
        let (span, trace) = ServerSpan.start(
            method, traceparent: request.headers[.traceparent], tracestate: request.headers[.tracestate], service: service)
        span.attributes["http.request.method"] = method
        span.attributes["url.path"] = request.uri.path
        if let trace { context.trace = trace }
        let routed = context
        defer {
            // The route is known once the router has matched it (after `next`).
            if let route = routed.endpointPath {
                span.operationName = "\(method) \(route)"
                span.attributes["http.route"] = route
            }
            span.end()
        }
        return try await ServerSpan.run(span) {
            do {
                let response = try await serve(request, context: routed, next: next)
                span.attributes["http.response.status_code"] = Int(response.status.code)
                if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
                return response
            } catch {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
                throw error
            }
        }
    }

    /// The request with its identity bound for log lines, answered with its `X-Request-ID`.
    private func serve(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await RequestScope.$identity.withValue(context.outgoing) {
            var response = try await next(request, context)
            response.headers[.requestID] = context.requestID
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
