import ArgumentParser
import Logging
import NIOSSL
import Notificator

/// How the notificator sends mail: the contract's mail options, shared by
/// `bugtracker notificator` and `bugtracker dev`.
struct MailOptions: ParsableArguments {
    @Option(help: "Deliver into this Maildir (the default; one file per message in <dir>/new).")
    var mailDir: String?

    @Option(help: "Send over SMTP: smtp://[user:password@]host:port[?starttls=required], or smtps://… for implicit TLS.")
    var smtpURL: String?

    @Option(help: "A PEM file of CA certificates to trust for SMTP TLS, instead of the system's.")
    var smtpCaFile: String?

    @Option(help: "The From header.")
    var mailFrom: String = "Bug Tracker <bugtracker@localhost>"

    @Option(help: "The first retry's delay; each next one doubles, with jitter.")
    var retryBase: DurationArgument = DurationArgument("1s")

    @Option(help: "The longest delay between retries.")
    var retryMax: DurationArgument = DurationArgument("5m")

    @Option(help: "Attempts before a delivery is dead.")
    var maxAttempts: Int = 10

    func validate() throws {
        guard MailAddress(parsing: mailFrom) != nil else {
            throw ValidationError("--mail-from \(mailFrom) is not an address such as \"Bug Tracker <bugtracker@localhost>\"")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        if smtpURL != nil && mailDir != nil { throw ValidationError("give --smtp-url or --mail-dir, not both") }
    }

    var sender: MailAddress { MailAddress(parsing: mailFrom) ?? .defaultSender }

    var retryPolicy: RetryPolicy {
        RetryPolicy(base: retryBase.duration, max: retryMax.duration, maxAttempts: maxAttempts)
    }

    /// The mailer these options describe: SMTP when a URL is given, else the
    /// Maildir (`defaultMailDir` when none is given), created if missing.
    func makeMailer(defaultMailDir: String, logger: Logger) async throws -> any Mailer {
        if let smtpURL {
            var configuration: SMTPConfiguration
            do {
                configuration = try SMTPConfiguration(url: smtpURL)
            } catch {
                throw CommandFailure("--smtp-url: \(error)")
            }
            if let smtpCaFile { configuration.trustRoots = .file(smtpCaFile) }
            logger.notice("sending mail over SMTP", metadata: ["server": "\(configuration.host):\(configuration.port)"])
            return SMTPMailer(configuration: configuration, logger: logger)
        }
        let mailer = MaildirMailer(directory: mailDir ?? defaultMailDir)
        do {
            try await mailer.prepare()
        } catch {
            throw CommandFailure("cannot create the Maildir \(mailer.directory): \(error)")
        }
        logger.notice("delivering mail into a Maildir", metadata: ["directory": .string(mailer.directory + "/new")])
        return mailer
    }
}
