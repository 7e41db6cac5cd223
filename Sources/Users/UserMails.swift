import Outbox

/// The e-mails the users service sends. The one place their words live.
enum UserMails {
    /// The welcome: with a set-password token when the person signed up
    /// without a password.
    static func welcome(_ user: User, token: PasswordToken?, links: PasswordLinks) -> MailDraft {
        let greeting = user.name.map { "Hello \($0)," } ?? "Hello,"
        var body = """
            \(greeting)

            you are registered with the bug tracker as \(user.email) (user #\(user.id)).
            You will hear from us when a bug you reported, were assigned or watch changes.

            """
        if let token {
            body += """

                You have no password yet. To choose one (within 24 hours):
                \(links.instructions(for: token))

                """
        }
        body += "\n-- The bug tracker"
        return MailDraft(topic: "user.welcome", recipient: user.email, subject: "Welcome to the bug tracker", body: body)
    }

    /// A password reset the person asked for.
    static func passwordReset(_ user: User, token: PasswordToken, links: PasswordLinks) -> MailDraft {
        let greeting = user.name.map { "Hello \($0)," } ?? "Hello,"
        return MailDraft(
            topic: "user.password_reset",
            recipient: user.email,
            subject: "Resetting your bug tracker password",
            body: """
                \(greeting)

                someone (you, we hope) asked to reset the password of \(user.email).
                To choose a new one (within the hour):
                \(links.instructions(for: token))

                If it was not you, ignore this mail: your password stays as it is.

                -- The bug tracker
                """
        )
    }
}

/// Where a person takes a set-password token: the web pages' form, and the
/// API route any client can call.
public struct PasswordLinks: Sendable {
    /// The web pages' base URL, if the system has them.
    public var webURL: String?

    public init(webURL: String? = nil) {
        self.webURL = webURL
    }

    func instructions(for token: PasswordToken) -> String {
        let api = "POST /password-resets/confirm {\"token\": \"\(token.token)\", \"password\": \"...\"} to the users service"
        guard let webURL else { return "send \(api)." }
        return "open \(webURL)/password-reset?token=\(token.token)\nor send \(api)."
    }
}
