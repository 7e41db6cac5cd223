public import Outbox
public import SQLiteStore
public import ServiceKit

/// Bugs in the `bugs` table of the bugs service's database.
public struct SQLiteBugRepository: BugRepository {
    private let database: Database
    private let outbox: SQLiteOutboxRepository
    private let clock: @Sendable () -> Timestamp

    /// `outbox` must be over the same database: mails are written in the
    /// change's own transaction. `clock` stamps `created_at` and `updated_at`.
    public init(database: Database, outbox: SQLiteOutboxRepository, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.database = database
        self.outbox = outbox
        self.clock = clock
    }

    private static let columns =
        "id, title, description, status, priority, reporter_id, assignee_id, created_at, updated_at, version"

    private static func bug(_ row: Row) throws -> Bug {
        let id = try row.int64("id")
        guard let status = BugStatus(rawValue: try row.text("status")), let priority = BugPriority(rawValue: try row.text("priority"))
        else {
            throw SQLiteError(code: .mismatch, message: "bug \(id) has an unknown status or priority")
        }
        return Bug(
            id: id, title: try row.text("title"), description: try row.optionalText("description"), status: status,
            priority: priority, reporterID: try row.optionalInt64("reporter_id"), assigneeID: try row.optionalInt64("assignee_id"),
            createdAt: try row.timestamp("created_at"), updatedAt: try row.timestamp("updated_at"), version: try row.int("version")
        )
    }

    public func create(_ bug: NewBug, mails: @escaping @Sendable (Bug) -> [MailDraft]) async throws -> Bug {
        let now = clock()
        return try await outbox.write(at: now) { connection, outbox in
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
            try outbox.append(contentsOf: mails(created))
            return created
        }
    }

    public func get(id: Int64) async throws -> Bug? {
        try await database.read { connection in
            try connection.queryFirst("SELECT \(Self.columns) FROM bugs WHERE id = ?", [.integer(id)], Self.bug)
        }
    }

    public func list(filter: BugFilter, after id: Int64, limit: Int) async throws -> Page<Bug> {
        var conditions = SQLConditions("id > ?", .integer(id))
        conditions.add("status = ?", filter.status.map { .text($0.rawValue) })
        conditions.add("priority = ?", filter.priority.map { .text($0.rawValue) })
        conditions.add("reporter_id = ?", filter.reporterID.map { .integer($0) })
        conditions.add("assignee_id = ?", filter.assigneeID.map { .integer($0) })
        let sql = "SELECT \(Self.columns) FROM bugs WHERE \(conditions.sql) ORDER BY id LIMIT ?"
        let arguments = conditions.arguments + [.integer(Int64(limit) + 1)]
        let rows = try await database.read { connection in
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
        let now = clock()
        return try await outbox.write(at: now) { connection, outbox in
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
            try outbox.append(contentsOf: mails(current, updated))
            return updated
        }
    }
}
