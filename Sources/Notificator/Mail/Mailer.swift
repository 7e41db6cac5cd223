public import ServiceKit

/// One e-mail to send: everything `MessageComposer` needs to write it.
public struct OutgoingMail: Sendable, Hashable {
    /// `<SOURCE.SOURCEID@bugtracker>`: the same on every attempt, so a
    /// receiver can drop a duplicate.
    public var messageID: String
    public var from: MailAddress
    public var to: String
    public var subject: String
    public var body: String
    /// When the source wrote it: the `Date` header.
    public var date: Timestamp
    /// What it is about (`user.welcome`), as `X-BugTracker-Topic`.
    public var topic: String

    public init(messageID: String, from: MailAddress, to: String, subject: String, body: String, date: Timestamp, topic: String) {
        self.messageID = messageID
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.topic = topic
    }

    /// The mail for a delivery, from `from`.
    public init(delivery: Delivery, from: MailAddress) {
        self.init(
            messageID: "<\(delivery.source).\(delivery.sourceMessageID)@bugtracker>",
            from: from, to: delivery.recipient, subject: delivery.subject, body: delivery.body,
            date: delivery.sourceCreatedAt, topic: delivery.topic
        )
    }
}

/// Why a send failed, and whether trying again may help.
public enum MailerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// May succeed later: a refused or dropped connection, a timeout, an SMTP 4xx.
    case temporary(String)
    /// Will not succeed: an SMTP 5xx.
    case permanent(String)

    public var description: String {
        switch self {
        case .temporary(let reason), .permanent(let reason): reason
        }
    }
}

/// Where mail goes: a Maildir (`MaildirMailer`) or an SMTP server (`SMTPMailer`).
public protocol Mailer: Sendable {
    /// Sends `mail`, or throws a `MailerError`.
    func send(_ mail: OutgoingMail) async throws(MailerError)
}
