public import ServiceKit

/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting to be sent, or to be tried again.
    case pending
    /// Accepted by the mail server (or written to the Maildir).
    case sent
    /// Given up on: a permanent failure, or too many attempts.
    case dead
}

/// One e-mail taken from a source's outbox, and how sending it went.
public struct Delivery: Sendable, Hashable, Encodable {
    public var id: Int64
    /// The service whose outbox it came from (`users`, `bugs`).
    public var source: String
    /// Its id in that outbox.
    public var sourceMessageID: Int64
    public var topic: String
    public var recipient: String
    public var subject: String
    /// The text; not part of the API's view of a delivery.
    public var body: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var lastError: String?
    public var nextAttemptAt: Timestamp?
    /// When the source wrote it; not part of the API's view.
    public var sourceCreatedAt: Timestamp
    /// When the notificator took it.
    public var createdAt: Timestamp
    public var sentAt: Timestamp?

    public init(
        id: Int64, source: String, sourceMessageID: Int64, topic: String, recipient: String, subject: String,
        body: String, status: DeliveryStatus, attempts: Int, lastError: String?, nextAttemptAt: Timestamp?,
        sourceCreatedAt: Timestamp, createdAt: Timestamp, sentAt: Timestamp?
    ) {
        self.id = id
        self.source = source
        self.sourceMessageID = sourceMessageID
        self.topic = topic
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.sourceCreatedAt = sourceCreatedAt
        self.createdAt = createdAt
        self.sentAt = sentAt
    }

    enum CodingKeys: String, CodingKey {
        case id, source, topic, recipient, subject, status, attempts
        case sourceMessageID = "source_message_id"
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case sentAt = "sent_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(source, forKey: .source)
        try container.encode(sourceMessageID, forKey: .sourceMessageID)
        try container.encode(topic, forKey: .topic)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(subject, forKey: .subject)
        try container.encode(status, forKey: .status)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(sentAt, forKey: .sentAt)
    }
}

/// The list filters, combined with AND; nil matches anything.
public struct DeliveryFilter: Sendable, Hashable {
    public var status: DeliveryStatus?
    public var recipient: String?
    public var source: String?

    public init(status: DeliveryStatus? = nil, recipient: String? = nil, source: String? = nil) {
        self.status = status
        self.recipient = recipient
        self.source = source
    }
}

/// How far the relay has read one source's outbox.
public struct SourceCursor: Sendable, Hashable {
    public var source: String
    /// The last outbox id taken.
    public var lastID: Int64
    public var updatedAt: Timestamp

    public init(source: String, lastID: Int64, updatedAt: Timestamp) {
        self.source = source
        self.lastID = lastID
        self.updatedAt = updatedAt
    }
}
