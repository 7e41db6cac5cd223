import Foundation
public import InMemoryTracing
import TraceSupport
public import Tracing

/// swift-distributed-tracing's in-memory tracer, speaking W3C `traceparent`
/// on the wire as the production tracer does, so that traces cross the
/// services (and the outbox) in tests as they do in production. Installed
/// once per test process (`installed`): the tracer is process-wide, so from
/// then on every test's requests record spans; tests find their own by the
/// trace id they send.
public struct TestTracer: Tracer {
    public typealias Span = InMemorySpan

    public let recorder: InMemoryTracer

    /// The process's tracer, installed on first use.
    public static let installed: TestTracer = {
        let tracer = TestTracer(
            recorder: InMemoryTracer(
                idGenerator: .init(nextTraceID: { hex(16) }, nextSpanID: { hex(8) }), recordInjections: false,
                recordExtractions: false))
        InstrumentationSystem.bootstrap(tracer)
        TraceRecording.turnOn()
        return tracer
    }()

    /// `count` random bytes as lowercase hex.
    public static func hex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The ended spans of the trace `traceID`.
    public func spans(inTrace traceID: String) -> [FinishedInMemorySpan] {
        recorder.finishedSpans.filter { $0.traceID == traceID }
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> InMemorySpan {
        recorder.startSpan(operationName, context: context(), ofKind: kind, at: instant(), function: function, file: fileID, line: line)
    }

    public func forceFlush() {}

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Carrier == Inject.Carrier {
        guard let span = context.inMemorySpanContext else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Carrier == Extract.Carrier {
        guard let value = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = value.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[2].count == 16 else { return }
        context.inMemorySpanContext = InMemorySpanContext(traceID: String(parts[1]), spanID: String(parts[2]), parentSpanID: nil)
    }
}
