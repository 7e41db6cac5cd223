public import Outbox
public import SQLiteStore
public import ServiceKit

/// Deliveries and source cursors in the notificator's own database.
public struct SQLiteDeliveryRepository: DeliveryRepository, SourceCursorRepository {
    private let database: Database

    public init(database: Database) {
        self.database = database
    }

    private static let columns = """
        id, source, source_message_id, topic, recipient, subject, body, status, attempts, last_error,
        next_attempt_at, source_created_at, created_at, sent_at, died_at, message_id, thread, traceparent
        """

    private static func delivery(_ row: Row) throws -> Delivery {
        let id = try row.int64("id")
        guard let status = DeliveryStatus(rawValue: try row.text("status")) else {
            throw SQLiteError(code: .mismatch, message: "delivery \(id) has an unknown status")
        }
        return Delivery(
            id: id, source: try row.text("source"), sourceMessageID: try row.int64("source_message_id"), topic: try row.text("topic"),
            recipient: try row.text("recipient"), subject: try row.text("subject"), body: try row.text("body"), status: status,
            attempts: try row.int("attempts"), lastError: try row.optionalText("last_error"),
            nextAttemptAt: try row.optionalTimestamp("next_attempt_at"), sourceCreatedAt: try row.timestamp("source_created_at"),
            createdAt: try row.timestamp("created_at"), sentAt: try row.optionalTimestamp("sent_at"),
            diedAt: try row.optionalTimestamp("died_at"),
            messageID: try row.optionalText("message_id") ?? "<\(try row.text("source")).\(try row.int64("source_message_id"))@bugtracker>",
            thread: try row.optionalText("thread"),
            traceparent: try row.optionalText("traceparent")
        )
    }

    @discardableResult
    public func ingest(_ messages: [OutboxMessage], from source: String, upTo lastID: Int64) async throws -> Int {
        let now = Timestamp.now()
        return try await database.write("ingest outbox messages") { connection in
            // The cursor row first: deliveries reference it.
            try connection.execute(
                """
                INSERT INTO source_cursors (source, last_id, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (source) DO UPDATE SET last_id = max(last_id, excluded.last_id), updated_at = excluded.updated_at
                """,
                [.text(source), .integer(lastID), now.sqliteValue]
            )
            var inserted = 0
            for message in messages {
                try connection.execute(
                    """
                    INSERT INTO deliveries (source, source_message_id, topic, recipient, subject, body, status, attempts,
                                            next_attempt_at, source_created_at, created_at, message_id, thread, traceparent)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?9,
                            '<' || ?1 || '.' || ?2 || '.' || (SELECT instance_id FROM installation) || '@bugtracker>', ?10, ?11)
                    ON CONFLICT (source, source_message_id) DO NOTHING
                    """,
                    [
                        .text(source), .integer(message.id), .text(message.topic), .text(message.recipient),
                        .text(message.subject), .text(message.body), now.sqliteValue, message.createdAt.sqliteValue,
                        now.sqliteValue, SQLiteValue(message.thread), SQLiteValue(Self.acceptable(message.traceparent)),
                    ]
                )
                inserted += connection.changes
            }
            return inserted
        }
    }

    /// A source's `traceparent` when it is one (the column's check would
    /// refuse the whole batch for one odd value); nil otherwise.
    private static func acceptable(_ traceparent: String?) -> String? {
        guard let traceparent, traceparent.utf8.count == 55 else { return nil }
        return traceparent
    }

    // Without RETURNING: SQLite gathers RETURNING rows in a temporary
    // b-tree, opened and closed per statement, which took about a tenth of
    // the writer thread's time under SendEmail load. The caller needs the id.
    public func enqueue(_ mail: DirectMail) async throws -> (id: Int64, created: Bool) {
        let now = Timestamp.now()
        // The call's trace, which the delivery's attempts continue.
        let traceparent = RequestScope.traceparent
        return try await database.write("enqueue delivery") { connection in
            if let key = mail.idempotencyKey,
                let stored = try connection.queryFirst(
                    "SELECT id, recipient, subject, body FROM deliveries WHERE idempotency_key = ?", [.text(key)],
                    { row in
                        (
                            id: try row.int64("id"), recipient: try row.text("recipient"), subject: try row.text("subject"),
                            body: try row.text("body")
                        )
                    }
                )
            {
                guard (stored.recipient, stored.subject, stored.body) == (mail.recipient, mail.subject, mail.body) else {
                    throw DeliveryRepositoryError.idempotencyKeyReused
                }
                return (stored.id, false)
            }
            // The source's cursor row numbers its mails, so a number is never
            // reused, even once the deliveries before are pruned.
            try connection.execute(
                """
                INSERT INTO source_cursors (source, last_id, updated_at) VALUES (?1, 1, ?2)
                ON CONFLICT (source) DO UPDATE SET last_id = last_id + 1, updated_at = excluded.updated_at
                """,
                [.text(DirectMail.source), now.sqliteValue]
            )
            guard
                let number = try connection.queryFirst(
                    "SELECT last_id FROM source_cursors WHERE source = ?", [.text(DirectMail.source)], { try $0.int64("last_id") })
            else { throw SQLiteError(code: .error, message: "no number for a direct mail") }
            try connection.execute(
                """
                INSERT INTO deliveries (source, source_message_id, topic, recipient, subject, body, status, attempts,
                                        next_attempt_at, source_created_at, created_at, message_id, idempotency_key, traceparent)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7,
                        '<' || ?1 || '.' || ?2 || '.' || (SELECT instance_id FROM installation) || '@bugtracker>', ?8, ?9)
                """,
                [
                    .text(DirectMail.source), .integer(number), .text(DirectMail.topic), .text(mail.recipient), .text(mail.subject),
                    .text(mail.body), now.sqliteValue, SQLiteValue(mail.idempotencyKey), SQLiteValue(traceparent),
                ]
            )
            return (connection.lastInsertRowID, true)
        }
    }

    public func due(at time: Timestamp, limit: Int, excluding excluded: Set<Int64>) async throws -> [Delivery] {
        // Fetch past the excluded ones, which are few (those in flight).
        // INDEXED BY: without statistics the planner takes the status index
        // and sorts every pending row, which a backlog makes slow.
        let fetchLimit = Int64(limit + excluded.count)
        let rows = try await database.read { connection in
            try connection.query(
                """
                SELECT \(Self.columns) FROM deliveries INDEXED BY deliveries_due
                WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """,
                [time.sqliteValue, .integer(fetchLimit)],
                Self.delivery
            )
        }
        return Array(rows.lazy.filter { !excluded.contains($0.id) }.prefix(limit))
    }

    public func nextDueTime(after time: Timestamp) async throws -> Timestamp? {
        try await database.read { connection in
            try connection.queryFirst(
                """
                SELECT min(next_attempt_at) AS next FROM deliveries INDEXED BY deliveries_due
                WHERE status = 'pending' AND next_attempt_at > ?
                """,
                [time.sqliteValue]
            ) { row in
                try row.optionalTimestamp("next")
            } ?? nil
        }
    }

    /// Deliveries not yet sent, by source: how far delivery is behind each.
    public func pendingBySource() async throws -> [String: Int] {
        let rows = try await database.read { connection in
            try connection.query("SELECT source, count(*) AS pending FROM deliveries WHERE status = 'pending' GROUP BY source") { row in
                (try row.text("source"), try row.int("pending"))
            }
        }
        return Dictionary(uniqueKeysWithValues: rows)
    }

    public func markSent(id: Int64, at time: Timestamp) async throws {
        try await database.write("mark delivery sent") { connection in
            try connection.execute(
                """
                UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = NULL
                WHERE id = ? AND status = 'pending'
                """,
                [time.sqliteValue, .integer(id)]
            )
        }
    }

    public func markFailed(id: Int64, error: String, retryAt: Timestamp?, at time: Timestamp) async throws {
        try await database.write("mark delivery failed") { connection in
            try connection.execute(
                """
                UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?, died_at = ?
                WHERE id = ? AND status = 'pending'
                """,
                [
                    .text(retryAt == nil ? "dead" : "pending"), .text(error), SQLiteValue(retryAt),
                    retryAt == nil ? time.sqliteValue : .null, .integer(id),
                ]
            )
        }
    }

    public func get(id: Int64) async throws -> Delivery? {
        try await database.read { connection in
            try connection.queryFirst("SELECT \(Self.columns) FROM deliveries WHERE id = ?", [.integer(id)], Self.delivery)
        }
    }

    public func list(filter: DeliveryFilter, after id: Int64, limit: Int) async throws -> Page<Delivery> {
        var conditions = SQLConditions("id > ?", .integer(id))
        conditions.add("status = ?", filter.status.map { .text($0.rawValue) })
        conditions.add("recipient = ?", filter.recipient.map { .text($0) })
        conditions.add("source = ?", filter.source.map { .text($0) })
        let sql = "SELECT \(Self.columns) FROM deliveries WHERE \(conditions.sql) ORDER BY id LIMIT ?"
        let arguments = conditions.arguments + [.integer(Int64(limit) + 1)]
        let rows = try await database.read { connection in
            try connection.query(sql, arguments, Self.delivery)
        }
        return Page(fetched: rows, limit: limit, id: \.id)
    }

    public func retry(id: Int64, at time: Timestamp) async throws -> Delivery? {
        try await database.write("retry delivery") { connection in
            guard
                let delivery = try connection.queryFirst(
                    "SELECT \(Self.columns) FROM deliveries WHERE id = ?", [.integer(id)], Self.delivery
                )
            else { return nil }
            guard delivery.status == .dead else { throw DeliveryRepositoryError.notDead(delivery.status) }
            try connection.execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, died_at = NULL WHERE id = ?",
                [time.sqliteValue, .integer(id)]
            )
            var retried = delivery
            retried.status = .pending
            retried.nextAttemptAt = time
            retried.diedAt = nil
            return retried
        }
    }

    public func countsByStatus() async throws -> [DeliveryStatus: Int] {
        let rows = try await database.read { connection in
            try connection.query("SELECT status, count(*) AS deliveries FROM deliveries GROUP BY status") { row in
                (try row.text("status"), try row.int("deliveries"))
            }
        }
        var counts = Dictionary(uniqueKeysWithValues: DeliveryStatus.allCases.map { ($0, 0) })
        for (status, count) in rows {
            if let status = DeliveryStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    @discardableResult
    public func prune(finishedBefore time: Timestamp, limit: Int) async throws -> Int {
        try await database.write("prune deliveries") { connection in
            try connection.execute(
                """
                DELETE FROM deliveries WHERE id IN (
                    SELECT id FROM deliveries INDEXED BY deliveries_finished
                    WHERE status IN ('sent', 'dead') AND coalesce(sent_at, died_at) < ? LIMIT ?
                )
                """,
                [time.sqliteValue, .integer(Int64(limit))]
            )
            return connection.changes
        }
    }

    public func lastID(for source: String) async throws -> Int64 {
        try await database.read { connection in
            try connection.queryFirst("SELECT last_id FROM source_cursors WHERE source = ?", [.text(source)]) { try $0.int64("last_id") }
                ?? 0
        }
    }
}
