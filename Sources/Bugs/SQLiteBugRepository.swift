public import SQLiteStore
public import ServiceKit

/// Bugs in the `bugs` table of the bugs service's database.
public struct SQLiteBugRepository: BugRepository {
    private let database: Database
    private let outbox: SQLiteOutboxRepository

    /// `outbox` must be over the same database: mails are written in the
    /// change's own transaction.
    public init(database: Database, outbox: SQLiteOutboxRepository) {
        self.database = database
        self.outbox = outbox
    }

    private static let columns =
        "id, title, description, status, priority, reporter_id, assignee_id, created_at, updated_at, version"

    private static func bug(_ row: Row) throws -> Bug {
        guard let status = BugStatus(rawValue: row.text(3)), let priority = BugPriority(rawValue: row.text(4)) else {
            throw SQLiteError(code: .mismatch, message: "bug \(row.int64(0)) has an unknown status or priority")
        }
        return Bug(
            id: row.int64(0), title: row.text(1), description: row.optionalText(2), status: status, priority: priority,
            reporterID: row.optionalInt64(5), assigneeID: row.optionalInt64(6),
            createdAt: try row.timestamp(7), updatedAt: try row.timestamp(8), version: row.int(9)
        )
    }

    public func create(_ bug: NewBug, mails: @escaping @Sendable (Bug) -> [MailDraft]) async throws -> Bug {
        let now = Timestamp.now()
        let (created, lastMailID) = try await database.write { connection in
            try connection.execute(
                """
                INSERT INTO bugs (title, description, status, priority, reporter_id, assignee_id, created_at, updated_at, version)
                VALUES (?, ?, 'open', ?, ?, ?, ?, ?, 1)
                """,
                [
                    .text(bug.title), SQLiteValue(bug.description), .text(bug.priority.rawValue),
                    SQLiteValue(bug.reporterID), SQLiteValue(bug.assigneeID), now.sqliteValue, now.sqliteValue,
                ]
            )
            let created = Bug(
                id: connection.lastInsertRowID, title: bug.title, description: bug.description, status: .open,
                priority: bug.priority, reporterID: bug.reporterID, assigneeID: bug.assigneeID,
                createdAt: now, updatedAt: now, version: 1
            )
            return (created, try SQLiteOutboxRepository.append(mails(created), at: now, on: connection))
        }
        if let lastMailID { outbox.signal.committed(upTo: lastMailID) }
        return created
    }

    public func get(id: Int64) async throws -> Bug? {
        try await database.read { connection in
            try connection.queryFirst("SELECT \(Self.columns) FROM bugs WHERE id = ?", [.integer(id)], Self.bug)
        }
    }

    public func list(filter: BugFilter, after id: Int64, limit: Int) async throws -> Page<Bug> {
        var conditions = ["id > ?"]
        var arguments: [SQLiteValue] = [.integer(id)]
        if let status = filter.status {
            conditions.append("status = ?")
            arguments.append(.text(status.rawValue))
        }
        if let priority = filter.priority {
            conditions.append("priority = ?")
            arguments.append(.text(priority.rawValue))
        }
        if let reporterID = filter.reporterID {
            conditions.append("reporter_id = ?")
            arguments.append(.integer(reporterID))
        }
        if let assigneeID = filter.assigneeID {
            conditions.append("assignee_id = ?")
            arguments.append(.integer(assigneeID))
        }
        arguments.append(.integer(Int64(limit) + 1))
        let sql = "SELECT \(Self.columns) FROM bugs WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?"
        let rows = try await database.read { [arguments] connection in
            try connection.query(sql, arguments, Self.bug)
        }
        return Page(fetched: rows, limit: limit, id: \.id)
    }

    public func update(
        id: Int64,
        changes: BugChanges,
        expectedVersion: Int,
        mails: @escaping @Sendable (_ before: Bug, _ after: Bug) -> [MailDraft]
    ) async throws -> Bug {
        let now = Timestamp.now()
        let (updated, lastMailID) = try await database.write { connection in
            guard let current = try connection.queryFirst("SELECT \(Self.columns) FROM bugs WHERE id = ?", [.integer(id)], Self.bug)
            else { throw BugRepositoryError.notFound(id) }
            guard current.version == expectedVersion else {
                throw BugRepositoryError.versionMismatch(current: current.version)
            }
            let updated = try current.applying(changes, at: now)
            try connection.execute(
                """
                UPDATE bugs SET title = ?, description = ?, status = ?, priority = ?, assignee_id = ?, updated_at = ?, version = ?
                WHERE id = ?
                """,
                [
                    .text(updated.title), SQLiteValue(updated.description), .text(updated.status.rawValue),
                    .text(updated.priority.rawValue), SQLiteValue(updated.assigneeID), now.sqliteValue,
                    .integer(Int64(updated.version)), .integer(id),
                ]
            )
            return (updated, try SQLiteOutboxRepository.append(mails(current, updated), at: now, on: connection))
        }
        if let lastMailID { outbox.signal.committed(upTo: lastMailID) }
        return updated
    }
}
