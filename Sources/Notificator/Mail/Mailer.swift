public import ServiceKit

/// One e-mail to send: everything `MessageComposer` needs to write it.
public struct OutgoingMail: Sendable, Hashable {
    /// `<SOURCE.SOURCEID.INSTANCE@bugtracker>`: the same on every attempt,
    /// so a receiver can drop a duplicate, and unique across installations.
    public var messageID: String
    public var from: MailAddress
    public var to: String
    public var subject: String
    public var body: String
    /// When the source wrote it: the `Date` header.
    public var date: Timestamp
    /// What it is about (`user.welcome`), as `X-BugTracker-Topic`.
    public var topic: String
    /// The conversation (`bug-7`), as `References: <bug-7@bugtracker>`.
    public var thread: String?

    public init(
        messageID: String, from: MailAddress, to: String, subject: String, body: String, date: Timestamp, topic: String,
        thread: String? = nil
    ) {
        self.messageID = messageID
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.topic = topic
        self.thread = thread
    }

    /// The mail for a delivery, from `from`.
    public init(delivery: Delivery, from: MailAddress) {
        self.init(
            messageID: delivery.messageID,
            from: from, to: delivery.recipient, subject: delivery.subject, body: delivery.body,
            date: delivery.sourceCreatedAt, topic: delivery.topic, thread: delivery.thread
        )
    }
}

/// Why a send failed, and whether trying again may help. The text is a
/// sentence for an operator: it becomes the delivery's `last_error`.
public enum MailerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// May succeed later: a refused or dropped connection, a timeout, an SMTP 4xx.
    case temporary(String)
    /// Will not succeed: an SMTP 5xx about the message or its recipient.
    case permanent(String)
    /// Not the message's fault: the mail setup itself is wrong (credentials
    /// refused, a certificate not trusted). No message can be sent until it
    /// is fixed, so sending pauses rather than spend the message's attempts.
    case setup(String)

    public var description: String {
        switch self {
        case .temporary(let reason), .permanent(let reason), .setup(let reason): reason
        }
    }
}

/// Where mail goes: a Maildir (`MaildirMailer`) or an SMTP server (`SMTPMailer`).
public protocol Mailer: Sendable {
    /// Sends `mail`, or throws a `MailerError`.
    func send(_ mail: OutgoingMail) async throws(MailerError)
}
