import HTTPTypes
public import Hummingbird
import Logging
import W3CTraceContext

/// Gives every request an id and a trace, and every response `X-Request-ID`.
///
/// The id is the caller's `X-Request-ID` when it is sensible (printable
/// ASCII, at most 128 characters), else a new one. The trace continues the
/// caller's `traceparent` with a new span, else starts a new trace. Both go
/// into the request's logger, so every log line of the request carries them.
public struct RequestIdentityMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let requestID = request.headers[.requestID].flatMap(Self.acceptable) ?? Self.newRequestID()
        let trace: TraceContext
        if let parent = request.headers[.traceparent],
            let incoming = try? TraceContext(traceParentHeaderValue: parent, traceStateHeaderValue: request.headers[.tracestate])
        {
            trace = TraceContext(traceID: incoming.traceID, spanID: .random(), flags: incoming.flags, state: incoming.state)
        } else {
            trace = TraceContext(traceID: .random(), spanID: .random(), flags: [], state: TraceState())
        }
        context.requestID = requestID
        context.trace = trace
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(requestID)
        context.logger[metadataKey: "trace_id"] = .stringConvertible(trace.traceID)
        var response = try await next(request, context)
        response.headers[.requestID] = requestID
        return response
    }

    static func acceptable(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return id
    }

    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
