public import ArgumentParser
public import Logging
public import SQLiteStore
public import ServiceKit

/// Options every service command takes.
struct CommonServiceOptions: ParsableArguments {
    @Option(help: "The address to listen on (containers pass 0.0.0.0).")
    var host: String = "127.0.0.1"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "logfmt or json.")
    var logFormat: LogFormat = .logfmt

    @Option(help: "The bearer token guarding the internal outbox feed, shared with the notificator.")
    var internalToken: String?

    @Option(help: "full: a 2xx answer survives power loss; normal: it survives a crash of the process, not of the machine.")
    var synchronous: Synchronous = .full
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension Synchronous: ExpressibleByArgument {}

/// A duration on the command line: `250ms`, `1s`, `5m`, `2h`, `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let duration: Duration
    let description: String

    init?(argument: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where argument.hasSuffix(suffix) {
            let number = argument.dropLast(suffix.count)
            // "ms" ends in "s" too: only take "s" when what is left is a number.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            duration = .milliseconds(Int64((value * seconds * 1000).rounded()))
            description = argument
            return
        }
        return nil
    }

    init(_ text: String) {
        self.init(argument: text)!
    }
}

/// Setting the process up: once, before any service is built.
enum ProcessSetup {
    /// Installs the log handler every logger of the process uses.
    static func bootstrapLogging(level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = LineLogHandler(label: label, format: format, level: level)
                handler.metadataProvider = provider
                return handler
            },
            metadataProvider: .requestIdentity
        )
    }

    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger[metadataKey: "service"] = .string(label)
        return logger
    }
}
