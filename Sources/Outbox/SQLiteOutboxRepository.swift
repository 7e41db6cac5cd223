public import SQLiteStore
public import ServiceKit

/// The outbox table of a service's own database: the writer that changes
/// use to queue their mails, and the feed's reads.
public struct SQLiteOutboxRepository: OutboxRepository {
    private let database: Database
    public let signal: OutboxSignal

    public init(database: Database, signal: OutboxSignal = OutboxSignal()) {
        self.database = database
        self.signal = signal
    }

    /// Runs `body` in a write transaction on the database, with an appender
    /// for the mails the change queues, so they commit with it or not at
    /// all; once the transaction has committed, wakes the feed's long polls.
    /// Every write that queues mail goes through here.
    ///
    /// `body` may run more than once (see `Database.write`), so it must not
    /// act outside the database. `operation` names the write's span; each
    /// row appended carries the trace of the request making the change.
    public func write<T: Sendable>(
        _ operation: String = "write",
        at time: Timestamp = .now(),
        _ body: @escaping @Sendable (Connection, OutboxAppender) throws -> T
    ) async throws -> T {
        let traceparent = RequestScope.traceparent
        let (result, lastID) = try await database.write(operation) { connection in
            let appender = OutboxAppender(connection: connection, time: time, traceparent: traceparent)
            let result = try body(connection, appender)
            return (result, appender.lastID)
        }
        if let lastID { signal.committed(upTo: lastID) }
        return result
    }

    private static func message(_ row: Row) throws -> OutboxMessage {
        OutboxMessage(
            id: try row.int64("id"), topic: try row.text("topic"), recipient: try row.text("recipient"),
            subject: try row.text("subject"), body: try row.text("body"), thread: try row.optionalText("thread"),
            traceparent: try row.optionalText("traceparent"), createdAt: try row.timestamp("created_at")
        )
    }

    public func messages(after id: Int64, limit: Int) async throws -> [OutboxMessage] {
        try await database.read { connection in
            try connection.query(
                "SELECT id, topic, recipient, subject, body, thread, traceparent, created_at FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                [.integer(id), .integer(Int64(limit))],
                Self.message
            )
        }
    }

    @discardableResult
    public func acknowledge(upTo id: Int64, at time: Timestamp) async throws -> Int {
        try await database.write("acknowledge outbox") { connection in
            try connection.execute(
                "UPDATE outbox SET relayed_at = ? WHERE id <= ? AND relayed_at IS NULL",
                [time.sqliteValue, .integer(id)]
            )
            return connection.changes
        }
    }

    /// Deletes relayed rows 500 at a time (`Database.deleteInBatches`).
    @discardableResult
    public func prune(relayedBefore time: Timestamp) async throws -> Int {
        try await prune(relayedBefore: time, batchSize: 500)
    }

    func prune(relayedBefore time: Timestamp, batchSize: Int) async throws -> Int {
        try await database.deleteInBatches(
            "prune outbox", "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE relayed_at < ? ORDER BY relayed_at LIMIT ?)",
            [time.sqliteValue], batchSize: batchSize)
    }

    public func pendingCount() async throws -> Int {
        try await database.read { connection in
            try connection.queryFirst("SELECT count(*) AS pending FROM outbox WHERE relayed_at IS NULL") { try $0.int("pending") } ?? 0
        }
    }
}

/// The mails one write transaction queues: each appended to the outbox in
/// that transaction, on its connection.
///
/// Lives inside one `Database.write`, on the writer's thread, so it is not
/// `Sendable`.
public final class OutboxAppender {
    private let connection: Connection
    private let time: Timestamp
    private let traceparent: String?
    /// The id of the last row appended, which the commit announces.
    private(set) var lastID: Int64?

    init(connection: Connection, time: Timestamp, traceparent: String?) {
        self.connection = connection
        self.time = time
        self.traceparent = traceparent
    }

    /// Queues `draft`.
    public func append(_ draft: MailDraft) throws {
        try connection.execute(
            "INSERT INTO outbox (topic, recipient, subject, body, thread, traceparent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .text(draft.topic), .text(draft.recipient), .text(draft.subject), .text(draft.body), SQLiteValue(draft.thread),
                SQLiteValue(traceparent), time.sqliteValue,
            ]
        )
        lastID = connection.lastInsertRowID
    }

    /// Queues every one of `drafts`, in order.
    public func append(contentsOf drafts: [MailDraft]) throws {
        for draft in drafts { try append(draft) }
    }
}

@available(*, unavailable)
extension OutboxAppender: Sendable {}
