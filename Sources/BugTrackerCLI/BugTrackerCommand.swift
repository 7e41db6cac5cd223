public import ArgumentParser
import Bugs
import EmbeddedMigrations
import Foundation
import Hummingbird
import Logging
import NIOCore
import Notificator
import SQLiteStore
import ServiceKit
import ServiceLifecycle
import UnixSignals
import Users

/// `bugtracker`: runs the services, all three at once (`dev`, the default)
/// or one at a time.
public struct BugTrackerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bugtracker",
        abstract: "The bug tracker's services: users, bugs and the notificator.",
        discussion: """
            Every option can also be set as BUGTRACKER_<OPTION> (--users-url ↔ BUGTRACKER_USERS_URL); \
            a flag wins over the environment.
            """,
        subcommands: [Dev.self, UsersCommand.self, BugsCommand.self, NotificatorCommand.self],
        defaultSubcommand: Dev.self
    )

    public init() {}
}

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "Run the users service alone.")

    @OptionGroup var common: CommonServiceOptions

    @Option(help: "The port to listen on.")
    var port: Int = 8800

    @Option(help: "The users database (made by `bugtracker-migrate up`).")
    var db: String = "./data/users.db"

    @Option(help: "How long acknowledged outbox rows are kept.")
    var outboxRetention: DurationArgument = DurationArgument("7d")

    func run() async throws {
        ProcessSetup.bootstrapLogging(level: common.logLevel, format: common.logFormat)
        let logger = ProcessSetup.logger("users")
        try await ServiceRunner().run(logger: logger) { runner in
            let database = try await ServiceDatabases.open(.users, path: db, synchronous: common.synchronous, migrate: false)
            runner.onExit { await database.close() }
            let app = buildUsersService(
                database: database,
                options: UsersServiceOptions(
                    http: .announcing("users service", host: common.host, port: port, logger: logger),
                    internalToken: common.internalToken,
                    outboxRetention: outboxRetention.duration
                )
            )
            return [app]
        }
    }
}

struct BugsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bugs", abstract: "Run the bugs service alone.")

    @OptionGroup var common: CommonServiceOptions

    @Option(help: "The port to listen on.")
    var port: Int = 8801

    @Option(help: "The bugs database (made by `bugtracker-migrate up`).")
    var db: String = "./data/bugs.db"

    @Option(help: "Where the users service answers.")
    var usersURL: String = "http://127.0.0.1:8800"

    @Option(help: "How long acknowledged outbox rows are kept.")
    var outboxRetention: DurationArgument = DurationArgument("7d")

    func run() async throws {
        ProcessSetup.bootstrapLogging(level: common.logLevel, format: common.logFormat)
        let logger = ProcessSetup.logger("bugs")
        try await ServiceRunner().run(logger: logger) { runner in
            let database = try await ServiceDatabases.open(.bugs, path: db, synchronous: common.synchronous, migrate: false)
            runner.onExit { await database.close() }
            let users = HTTPUsersClient(baseURL: usersURL)
            runner.onExit { await users.shutdown() }
            let app = buildBugsService(
                database: database,
                users: users,
                options: BugsServiceOptions(
                    http: .announcing("bugs service", host: common.host, port: port, logger: logger),
                    internalToken: common.internalToken,
                    outboxRetention: outboxRetention.duration
                )
            )
            return [app]
        }
    }
}

struct NotificatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notificator",
        abstract: "Run the notificator alone: relay the services' outboxes and deliver the mail."
    )

    @OptionGroup var common: CommonServiceOptions

    @Option(help: "The port to listen on.")
    var port: Int = 8802

    @Option(help: "The notificator database (made by `bugtracker-migrate up`).")
    var db: String = "./data/notificator.db"

    @Option(help: "An outbox feed to relay, NAME=URL; repeatable (BUGTRACKER_SOURCE takes a comma-separated list).")
    var source: [String] = ["users=http://127.0.0.1:8800", "bugs=http://127.0.0.1:8801"]

    @OptionGroup var mail: MailOptions

    func validate() throws {
        for text in source where SourceConfiguration(parsing: text) == nil {
            throw ValidationError("--source \(text) is not NAME=http://host:port")
        }
        guard common.internalToken?.isEmpty == false else {
            throw ValidationError("the notificator needs --internal-token: the token the users and bugs services were given")
        }
    }

    func run() async throws {
        ProcessSetup.bootstrapLogging(level: common.logLevel, format: common.logFormat)
        let logger = ProcessSetup.logger("notificator")
        let sources = source.compactMap(SourceConfiguration.init(parsing:))
        try await ServiceRunner().run(logger: logger) { runner in
            let database = try await ServiceDatabases.open(.notificator, path: db, synchronous: common.synchronous, migrate: false)
            runner.onExit { await database.close() }
            let mailer = try await mail.makeMailer(defaultMailDir: "./data/mail", logger: logger)
            let app = buildNotificatorService(
                database: database,
                options: NotificatorOptions(
                    http: .announcing("notificator", host: common.host, port: port, logger: logger),
                    sources: sources, internalToken: common.internalToken ?? "", mailer: mailer,
                    sender: mail.sender, retry: mail.retryPolicy
                )
            )
            return [app]
        }
    }
}

/// Runs services until SIGTERM or SIGINT, then shuts them down gracefully:
/// no new connections, requests in flight finished. Whatever happens, the
/// cleanups run afterwards, last added first: clients shut down, databases
/// close.
struct ServiceRunner {
    private var cleanups: [@Sendable () async -> Void] = []

    /// Adds work to do once the services have stopped (or failed to start).
    mutating func onExit(_ cleanup: @escaping @Sendable () async -> Void) {
        cleanups.append(cleanup)
    }

    /// Runs `prepare` (opening databases, building services) and then the
    /// services it returns; the cleanups run in every case.
    func run(logger: Logger, _ prepare: (inout ServiceRunner) async throws -> [any Service]) async throws {
        var runner = self
        do {
            let services = try await prepare(&runner)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await group.run()
            logger.notice("stopped")
        } catch {
            for cleanup in runner.cleanups.reversed() { await cleanup() }
            throw Self.explain(error)
        }
        for cleanup in runner.cleanups.reversed() { await cleanup() }
    }

    /// One line for what stops a service from starting.
    static func explain(_ error: any Error) -> any Error {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return CommandFailure("cannot listen: the address is already in use (is another bugtracker running?)")
        }
        if let error = error as? IOError, error.errnoCode == EACCES {
            return CommandFailure("cannot listen: permission denied for that port")
        }
        return error
    }
}
