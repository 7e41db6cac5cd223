import Foundation
import Logging
import OTel
import ServiceKit
import ServiceLifecycle
import Synchronization
import TraceSupport
import Tracing

/// Span export: `--otlp-endpoint`, or the standard `OTEL_*` variables,
/// which swift-otel reads (`OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`,
/// `OTEL_TRACES_SAMPLER_ARG` among them). Without an endpoint nothing is
/// installed: no exporter runs, and `TraceRecording` stays off, so the
/// request path starts no span at all.
enum TracingSetup {
    static let otlpEndpoint = CommandOption(
        "otlp-endpoint", valueName: "URL",
        help: "Export spans over OTLP/HTTP to URL/v1/traces (or set OTEL_EXPORTER_OTLP_ENDPOINT). Without one, nothing is exported."
    )

    /// `--otlp-endpoint`'s traces URL (`URL/v1/traces`), checked; nil when
    /// not given.
    static func tracesURL(_ values: OptionValues) throws -> String? {
        guard let given = values.string(otlpEndpoint.name), !given.isEmpty else { return nil }
        guard let url = URL(string: given), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
            throw OptionError("\(values.describe(otlpEndpoint.name, given)) is not an http:// or https:// URL")
        }
        return (given.hasSuffix("/") ? String(given.dropLast()) : given) + "/v1/traces"
    }

    /// Checks the option and, when `install` (only `main`: the tracer is
    /// process-wide), installs the tracer and returns the exporter's
    /// service, which must run in the service group; nil without an endpoint.
    static func bootstrap(
        _ values: OptionValues, serviceName: String, environment: [String: String], logger: Logger, install: Bool
    ) throws -> (any Service)? {
        let given = try tracesURL(values)
        let fromEnvironment = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].contains {
            !(environment[$0] ?? "").isEmpty
        }
        guard install, given != nil || fromEnvironment else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.diagnosticLogger = .custom(Logger(label: logger.label) { _ in ExportProblemLogHandler(logger: logger) })
        configuration.diagnosticLogLevel = .debug
        if let given {
            configuration.traces.otlpExporter.endpoint = given
            // The flag wins over the environment, as for every option.
            unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT")
        }
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        TraceRecording.turnOn()
        return service
    }
}

/// swift-otel's own log lines, thinned: a collector that is down would
/// otherwise cost a warning every few seconds. Each distinct warning or
/// error is logged once, and again only after an export has succeeded
/// since (the collector came back, then went away again).
struct ExportProblemLogHandler: LogHandler {
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    private let logger: Logger
    private let said = Said()

    init(logger: Logger) {
        self.logger = logger
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let message = event.message.description
        if event.level < .warning {
            if message.hasPrefix("Exported batch") { said.forget() }
            return
        }
        guard said.first(message) else { return }
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        merged["note"] = "span export; repeats are not logged until an export succeeds"
        logger.log(level: event.level, "tracing: \(message)", metadata: merged)
    }

    /// The messages already logged.
    final class Said: Sendable {
        private let messages = Mutex<Set<String>>([])
        func first(_ message: String) -> Bool { messages.withLock { $0.insert(message).inserted } }
        func forget() { messages.withLock { if !$0.isEmpty { $0.removeAll() } } }
    }
}
