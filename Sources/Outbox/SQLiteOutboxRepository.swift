public import SQLiteStore

/// The outbox table of a service's own database.
public struct SQLiteOutboxRepository: OutboxRepository {
    private let database: Database
    public let signal: OutboxSignal

    public init(database: Database, signal: OutboxSignal = OutboxSignal()) {
        self.database = database
        self.signal = signal
    }

    /// Appends `drafts` in the caller's transaction on `connection`, stamped
    /// `time`, and returns the id of the last one (nil when there are none).
    ///
    /// Call it from inside the `Database.write` that makes the change the
    /// mails report, then pass the id to `signal.committed(upTo:)` once that
    /// write has returned.
    public static func append(_ drafts: [MailDraft], at time: Timestamp, on connection: Connection) throws -> Int64? {
        var lastID: Int64?
        for draft in drafts {
            try connection.execute(
                "INSERT INTO outbox (topic, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?)",
                [.text(draft.topic), .text(draft.recipient), .text(draft.subject), .text(draft.body), time.sqliteValue]
            )
            lastID = connection.lastInsertRowID
        }
        return lastID
    }

    public func messages(after id: Int64, limit: Int) async throws -> [OutboxMessage] {
        try await database.read { connection in
            try connection.query(
                "SELECT id, topic, recipient, subject, body, created_at FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                [.integer(id), .integer(Int64(limit))]
            ) { row in
                OutboxMessage(
                    id: row.int64(0), topic: row.text(1), recipient: row.text(2), subject: row.text(3),
                    body: row.text(4), createdAt: try row.timestamp(5)
                )
            }
        }
    }

    @discardableResult
    public func acknowledge(upTo id: Int64, at time: Timestamp) async throws -> Int {
        try await database.write { connection in
            try connection.execute(
                "UPDATE outbox SET relayed_at = ? WHERE id <= ? AND relayed_at IS NULL",
                [time.sqliteValue, .integer(id)]
            )
            return connection.changes
        }
    }

    @discardableResult
    public func prune(relayedBefore time: Timestamp) async throws -> Int {
        try await database.write { connection in
            try connection.execute("DELETE FROM outbox WHERE relayed_at < ?", [time.sqliteValue])
            return connection.changes
        }
    }

    public func pendingCount() async throws -> Int {
        try await database.read { connection in
            try connection.queryFirst("SELECT count(*) FROM outbox WHERE relayed_at IS NULL") { $0.int(0) } ?? 0
        }
    }
}
