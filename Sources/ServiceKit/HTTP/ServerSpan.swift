import TraceSupport
public import Tracing
public import W3CTraceContext

/// The server span of a request or a call, the same for HTTP and gRPC: it
/// continues the caller's `traceparent`, names its service, and is the
/// request's trace, so that log lines and outgoing calls carry its ids.
public enum ServerSpan {
    /// A started server span named `name`, and its trace as a `TraceContext`.
    public static func start(_ name: String, traceparent: String?, tracestate: String?, service: String?) -> (
        span: any Span, trace: TraceContext?
    ) {
        var parent = Spans.continuing(traceparent: traceparent, tracestate: tracestate)
        parent.bugtrackerService = service
        let span = Spans.start(name, kind: .server, parent: parent)
        let trace = Spans.traceparent(of: span.context).flatMap {
            try? TraceContext(traceParentHeaderValue: $0, traceStateHeaderValue: tracestate)
        }
        return (span, trace)
    }

    /// Runs `body` with `span` current (and kept in `RequestScope.serverSpan`);
    /// the caller records the outcome and ends the span.
    public static func run<T>(_ span: any Span, _ body: () async throws -> T) async throws -> T {
        try await ServiceContext.$current.withValue(span.context) {
            try await RequestScope.$serverSpan.withValue(span, operation: body)
        }
    }
}
