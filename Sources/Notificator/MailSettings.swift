public import Logging
import NIOSSL
public import ServiceKit

/// How the notificator sends mail: the contract's mail options, read from
/// the command line (and offered by `bugtracker dev` too).
public struct MailSettings: Sendable {
    static let mailDir = CommandOption(
        "mail-dir", valueName: "PATH", help: "Deliver into this Maildir (the default; one file per message in <dir>/new).",
        default: .derived("<data directory>/mail", { [$0.dataDirectory + "/mail"] }), inDev: true
    )
    static let smtpURL = CommandOption(
        "smtp-url", valueName: "URL",
        help: "Send over SMTP: smtp://[user:password@]host:port[?starttls=required], or smtps://… for implicit TLS.",
        isSecret: true, inDev: true
    )
    static let smtpCAFile = CommandOption(
        "smtp-ca-file", valueName: "PATH", help: "A PEM file of CA certificates to trust for SMTP TLS, instead of the system's.",
        inDev: true
    )
    static let mailFrom = CommandOption(
        "mail-from", valueName: "ADDRESS", help: "The From header.", default: .value("Bug Tracker <bugtracker@localhost>"), inDev: true
    )
    static let retryBase = CommandOption(
        "retry-base", valueName: "DURATION", help: "The first retry's delay; each next one doubles, with jitter.", default: .value("1s"),
        inDev: true
    )
    static let retryMax = CommandOption(
        "retry-max", valueName: "DURATION", help: "The longest delay between retries.", default: .value("5m"), inDev: true
    )
    static let maxAttempts = CommandOption(
        "max-attempts", valueName: "N", help: "Attempts before a delivery is dead.", default: .value("10"), inDev: true
    )

    /// The options, in the order `--help` lists them.
    static let options = [mailDir, smtpURL, smtpCAFile, mailFrom, retryBase, retryMax, maxAttempts]

    public var sender: MailAddress
    public var retry: RetryPolicy
    /// SMTP when set, else the Maildir.
    public var smtp: SMTPConfiguration?
    public var mailDirectory: String

    /// Reads and checks the options; an `OptionError` names the one at fault.
    public init(_ options: OptionValues) throws {
        let from = options.string(Self.mailFrom.name) ?? ""
        guard let sender = MailAddress(parsing: from) else {
            throw OptionError(
                "\(options.describe(Self.mailFrom.name, from)) is not an address such as \"Bug Tracker <bugtracker@localhost>\"")
        }
        self.sender = sender
        let attempts = try options.int(Self.maxAttempts.name, in: 1...1000) ?? 10
        self.retry = RetryPolicy(
            base: try options.duration(Self.retryBase.name) ?? .seconds(1),
            max: try options.duration(Self.retryMax.name) ?? .seconds(300),
            maxAttempts: attempts
        )
        if options.isGiven(Self.smtpURL.name) && options.isGiven(Self.mailDir.name) {
            throw OptionError("give --smtp-url or --mail-dir, not both")
        }
        if let url = options.string(Self.smtpURL.name) {
            do {
                var configuration = try SMTPConfiguration(url: url)
                if let file = options.string(Self.smtpCAFile.name) { configuration.trustRoots = .file(file) }
                self.smtp = configuration
            } catch {
                throw OptionError("--smtp-url: \(error)")
            }
            if let smtp, smtp.username != nil, smtp.security == .none {
                throw OptionError(
                    "--smtp-url has credentials but no TLS, and credentials are never sent in clear: "
                        + "use smtps://… or add ?starttls=required")
            }
        }
        self.mailDirectory = options.string(Self.mailDir.name) ?? "./data/mail"
    }

    /// The mailer these settings describe, its Maildir created if missing.
    public func makeMailer(logger: Logger) async throws -> any Mailer {
        if let smtp {
            logger.notice("sending mail over SMTP", metadata: ["server": "\(smtp.host):\(smtp.port)"])
            return SMTPMailer(configuration: smtp, logger: logger)
        }
        let mailer = MaildirMailer(directory: mailDirectory)
        do {
            try await mailer.prepare()
        } catch {
            throw OptionError("cannot create the Maildir \(mailer.directory): \(error)")
        }
        logger.notice("delivering mail into a Maildir", metadata: ["directory": .string(mailer.directory + "/new")])
        return mailer
    }
}
