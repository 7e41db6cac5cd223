public import ServiceKit

/// An e-mail a change queues: written to the outbox in the change's own
/// transaction, relayed by the notificator later.
public struct MailDraft: Sendable, Hashable {
    /// What the mail is about, for filtering and metrics (`user.welcome`).
    public var topic: String
    /// The recipient's address, bare (`ann@example.com`).
    public var recipient: String
    /// One line; the notificator encodes it for the header.
    public var subject: String
    /// Plain UTF-8 text.
    public var body: String
    /// The conversation it belongs to (`bug-7`), which mail readers thread
    /// by; nil for a mail that starts none.
    public var thread: String?

    public init(topic: String, recipient: String, subject: String, body: String, thread: String? = nil) {
        self.topic = topic
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.thread = thread
    }
}

/// A row of a service's outbox, as the feed serves it.
public struct OutboxMessage: Sendable, Hashable, Codable {
    public var id: Int64
    public var topic: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var thread: String?
    /// The W3C trace of the request that wrote the row.
    public var traceparent: String?
    public var createdAt: Timestamp

    public init(
        id: Int64, topic: String, recipient: String, subject: String, body: String, thread: String? = nil,
        traceparent: String? = nil, createdAt: Timestamp
    ) {
        self.id = id
        self.topic = topic
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.thread = thread
        self.traceparent = traceparent
        self.createdAt = createdAt
    }

    /// In the contract's order, which the encoding follows.
    enum CodingKeys: String, CodingKey {
        case id, topic, recipient, subject, body, thread, traceparent
        case createdAt = "created_at"
    }
}
