public import Instrumentation
public import Tracing

/// Starting spans the same way everywhere: only when `TraceRecording` is on,
/// each tagged with the service it belongs to (`bugtracker.service`), with
/// a thrown error recorded and the span's status set to error.
public enum Spans {
    /// Runs `body` inside a span named `name`, a child of `parent` (the
    /// current task's context by default). With tracing off, or with
    /// `onlyInsideTrace` and no current trace, `body` runs alone and gets nil.
    public static func record<T, Failure: Error>(
        _ name: String,
        kind: SpanKind = .internal,
        parent: ServiceContext? = nil,
        onlyInsideTrace: Bool = false,
        _ body: (_ span: (any Span)?) async throws(Failure) -> T
    ) async throws(Failure) -> T {
        guard TraceRecording.isOn else { return try await body(nil) }
        let context = parent ?? ServiceContext.current
        if onlyInsideTrace && context == nil { return try await body(nil) }
        let span = start(name, kind: kind, parent: context ?? .topLevel)
        let outcome: Result<T, Failure> = await ServiceContext.$current.withValue(span.context) {
            do throws(Failure) {
                return .success(try await body(span))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let value):
            span.end()
            return value
        case .failure(let error):
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
    }

    /// A started span (the caller ends it), tagged with its service.
    public static func start(_ name: String, kind: SpanKind, parent: ServiceContext) -> any Span {
        let span = startSpan(name, context: parent, ofKind: kind)
        if let service = parent.bugtrackerService { span.attributes["bugtracker.service"] = service }
        return span
    }

    /// `context` with the trace `traceparent` (and `tracestate`) carries,
    /// as the installed propagator reads them; `context` unchanged when
    /// there is none or it is malformed.
    public static func continuing(
        traceparent: String?, tracestate: String? = nil, in context: ServiceContext = .topLevel
    ) -> ServiceContext {
        var context = context
        guard let traceparent else { return context }
        var carrier = ["traceparent": traceparent]
        carrier["tracestate"] = tracestate
        InstrumentationSystem.instrument.extract(carrier, into: &context, using: DictionaryExtractor())
        return context
    }

    /// The `traceparent` of the span current in `context` (the task's by
    /// default), as the installed propagator writes it; nil with tracing
    /// off or no current span.
    public static func traceparent(of context: ServiceContext? = ServiceContext.current) -> String? {
        guard TraceRecording.isOn, let context else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"]
    }
}

private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

extension ServiceContext {
    /// The service a span belongs to, which `Spans` puts on every span as
    /// `bugtracker.service` (in `bugtracker dev` one process runs them all).
    public var bugtrackerService: String? {
        get { self[BugTrackerServiceKey.self] }
        set { self[BugTrackerServiceKey.self] = newValue }
    }
}

private enum BugTrackerServiceKey: ServiceContextKey {
    typealias Value = String
    static var nameOverride: String? { "bugtracker-service" }
}
