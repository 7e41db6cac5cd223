import Logging
import SQLiteStore
import ServiceKit

/// The options every service command (and `bugtracker dev`) takes.
enum CommonOptions {
    static let host = CommandOption(
        "host", valueName: "ADDRESS", help: "The address to listen on (containers pass 0.0.0.0).", default: .value("127.0.0.1")
    )
    static let logLevel = CommandOption(
        "log-level", valueName: "LEVEL", help: "trace, debug, info, notice, warning, error or critical.", default: .value("info")
    )
    static let logFormat = CommandOption("log-format", valueName: "FORMAT", help: "logfmt or json.", default: .value("logfmt"))
    static let internalToken = CommandOption(
        "internal-token", valueName: "TOKEN",
        help: "The bearer token the services use between them (the outbox feeds); shared by every service.", isSecret: true
    )
    static let synchronous = CommandOption(
        "synchronous", valueName: "MODE",
        help: "full: a 2xx answer survives power loss; normal: it survives a crash of the process, not of the machine.",
        default: .value("full")
    )
    static let db = CommandOption("db", valueName: "PATH", help: "The database file (made by `bugtracker-migrate up`).")

    /// Host and logging, which every service command takes.
    static let process = [host, logLevel, logFormat, internalToken, TracingSetup.otlpEndpoint]

    /// The logging options' values.
    static func logging(_ values: OptionValues) throws -> (level: Logger.Level, format: LogFormat) {
        (
            try values.choice(logLevel.name, as: Logger.Level.self) ?? .info,
            try values.choice(logFormat.name, as: LogFormat.self) ?? .logfmt
        )
    }

    /// `--synchronous`: `full` or `normal` (`off` is refused: it risks the
    /// database itself on a crash, which no service should run with).
    static func synchronousMode(_ values: OptionValues) throws -> Synchronous {
        let mode = try values.choice(synchronous.name, as: Synchronous.self) ?? .full
        guard mode != .off else {
            throw OptionError(
                "\(values.describe(synchronous.name, "off")) is refused: a crash could leave the database damaged; use full or normal")
        }
        return mode
    }
}

/// Setting the process up: once, from `main`, before any service is built.
enum ProcessSetup {
    /// Installs the log handler every logger of the process uses. Called
    /// only for the process's own command line, never from tests.
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

    /// A logger for `label`, tagged `service=<label>`, at `level`.
    static func logger(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        logger[metadataKey: "service"] = .string(label)
        return logger
    }

    /// A random token for `bugtracker dev`'s own services.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
