import ArgumentParser
import Bugs
import EmbeddedMigrations
import Foundation
import Logging
import Notificator
import SQLiteStore
import ServiceKit
import ServiceLifecycle
import Users

/// `bugtracker dev`: the whole system in one process, each service on its own
/// database under `--data-dir`, migrations applied on start.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run users, bugs and the notificator together, on their embedded defaults."
    )

    @Option(help: "The folder for the three databases and the mail.")
    var dataDir: String = "./data"

    @Option(help: "The address every service listens on.")
    var host: String = "127.0.0.1"

    @Option(help: "The users service's port.")
    var usersPort: Int = 8800

    @Option(help: "The bugs service's port.")
    var bugsPort: Int = 8801

    @Option(help: "The notificator's port.")
    var notificatorPort: Int = 8802

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "logfmt or json.")
    var logFormat: LogFormat = .logfmt

    @Option(help: "The token guarding the outbox feeds (default: a new random one each start).")
    var internalToken: String?

    @Option(help: "full: a 2xx answer survives power loss; normal: it survives a crash of the process.")
    var synchronous: Synchronous = .full

    @OptionGroup var mail: MailOptions

    func run() async throws {
        ProcessSetup.bootstrapLogging(level: logLevel, format: logFormat)
        let logger = ProcessSetup.logger("dev")
        try DataDirectory.create(dataDir)
        let token = internalToken ?? Self.randomToken()
        try await ServiceRunner().run(logger: logger) { runner in
            let usersDatabase = try await ServiceDatabases.open(
                .users, path: DataDirectory.path(of: .users, in: dataDir), synchronous: synchronous, migrate: true)
            runner.onExit { await usersDatabase.close() }
            let bugsDatabase = try await ServiceDatabases.open(
                .bugs, path: DataDirectory.path(of: .bugs, in: dataDir), synchronous: synchronous, migrate: true)
            runner.onExit { await bugsDatabase.close() }
            let notificatorDatabase = try await ServiceDatabases.open(
                .notificator, path: DataDirectory.path(of: .notificator, in: dataDir), synchronous: synchronous, migrate: true)
            runner.onExit { await notificatorDatabase.close() }
            let connectHost = host == "0.0.0.0" ? "127.0.0.1" : host

            let usersLogger = ProcessSetup.logger("users")
            let users = buildUsersService(
                database: usersDatabase,
                options: UsersServiceOptions(
                    http: .announcing("users service", host: host, port: usersPort, logger: usersLogger),
                    internalToken: token
                )
            )
            let bugsLogger = ProcessSetup.logger("bugs")
            let usersClient = HTTPUsersClient(baseURL: "http://\(connectHost):\(usersPort)")
            runner.onExit { await usersClient.shutdown() }
            let bugs = buildBugsService(
                database: bugsDatabase,
                users: usersClient,
                options: BugsServiceOptions(
                    http: .announcing("bugs service", host: host, port: bugsPort, logger: bugsLogger),
                    internalToken: token
                )
            )
            let notificatorLogger = ProcessSetup.logger("notificator")
            let mailer = try await mail.makeMailer(defaultMailDir: dataDir + "/mail", logger: notificatorLogger)
            let notificator = buildNotificatorService(
                database: notificatorDatabase,
                options: NotificatorOptions(
                    http: .announcing("notificator", host: host, port: notificatorPort, logger: notificatorLogger),
                    sources: [
                        SourceConfiguration(name: "users", url: "http://\(connectHost):\(usersPort)"),
                        SourceConfiguration(name: "bugs", url: "http://\(connectHost):\(bugsPort)"),
                    ],
                    internalToken: token, mailer: mailer, sender: mail.sender, retry: mail.retryPolicy
                )
            )
            logger.notice("data in \(dataDir); stop with Ctrl-C")
            return [users, bugs, notificator]
        }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }
}
