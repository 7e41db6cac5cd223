import Outbox

/// The e-mail a new user gets. The one place its words live.
enum WelcomeMail {
    static func draft(for user: User) -> MailDraft {
        let greeting = user.name.map { "Hello \($0)," } ?? "Hello,"
        return MailDraft(
            topic: "user.welcome",
            recipient: user.email,
            subject: "Welcome to the bug tracker",
            body: """
                \(greeting)

                you are registered with the bug tracker as \(user.email) (user #\(user.id)).
                You will hear from us when a bug you reported or were assigned changes.

                -- The bug tracker
                """
        )
    }
}
