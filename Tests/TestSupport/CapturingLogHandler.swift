public import Logging
import Synchronization

/// Log lines kept in memory, for tests that check what is (not) logged.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// A logger at `level` writing into this capture, with the metadata of
    /// `metadataProvider` (the services' request identity, say) on each line.
    public func logger(_ label: String = "test", level: Logger.Level = .trace, metadataProvider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: label) { label in
            CapturingLogHandler(capture: self, label: label, metadataProvider: metadataProvider)
        }
        logger.logLevel = level
        return logger
    }

    /// Everything logged so far, one line per message with its metadata.
    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

private struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    let label: String
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let provided = metadataProvider?.get() ?? [:]
        let all = provided.merging(metadata) { _, new in new }.merging(event.metadata ?? [:]) { _, new in new }
        capture.append("\(event.level) \(label) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}
