import Synchronization

/// Whether this process records spans: off unless `main` installed a
/// tracer (an OTLP endpoint was given). Every span this package starts
/// checks it first, so a process without a tracer pays one atomic load per
/// would-be span and nothing else.
public enum TraceRecording {
    private static let on = Atomic<Bool>(false)

    /// True once a tracer is installed.
    public static var isOn: Bool { on.load(ordering: .relaxed) }

    /// Called once, by `main` (or a test's process-wide setup), right after
    /// `InstrumentationSystem.bootstrap`.
    public static func turnOn() { on.store(true, ordering: .relaxed) }
}
