public import Outbox
public import SQLiteStore
public import ServiceKit

/// Bugs, their labels, comments, watchers and history in the bugs
/// service's database. Every write is one transaction with its history
/// event, its mails and, for a request with an `Idempotency-Key`, the
/// answer kept for it; the search index and comment counts follow by
/// triggers, in the same transaction.
public struct SQLiteBugRepository: BugRepository {
    private let database: Database
    private let outbox: SQLiteOutboxRepository
    private let clock: @Sendable () -> Timestamp

    /// `outbox` must be over the same database: mails are written in the
    /// change's own transaction. `clock` stamps what is written.
    public init(database: Database, outbox: SQLiteOutboxRepository, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.database = database
        self.outbox = outbox
        self.clock = clock
    }

    // MARK: Rows

    /// A bug's columns, its labels among them (`label_list`, kept from
    /// `bug_labels` by migration 0014's triggers), for a query over `bugs`.
    private static let columns = """
        bugs.id, bugs.title, bugs.description, bugs.status, bugs.priority, bugs.reporter_id, bugs.assignee_id,
        bugs.comment_count, bugs.created_at, bugs.updated_at, bugs.version, bugs.label_list
        """

    private static func bug(_ row: Row) throws -> Bug {
        // Read in the order of `columns`, which finds each column quickest.
        let (id, title, description) = (try row.int64("id"), try row.text("title"), try row.optionalText("description"))
        guard let status = BugStatus(rawValue: try row.text("status")), let priority = BugPriority(rawValue: try row.text("priority"))
        else {
            throw SQLiteError(code: .mismatch, message: "bug \(id) has an unknown status or priority")
        }
        let (reporterID, assigneeID) = (try row.optionalInt64("reporter_id"), try row.optionalInt64("assignee_id"))
        let (commentCount, createdAt, updatedAt) = (
            try row.int("comment_count"), try row.timestamp("created_at"), try row.timestamp("updated_at")
        )
        let (version, labels) = (try row.int("version"), try labels(inList: try row.text("label_list")))
        return Bug(
            id: id, title: title, description: description, status: status, priority: priority, labels: labels,
            reporterID: reporterID, assigneeID: assigneeID, commentCount: commentCount, createdAt: createdAt,
            updatedAt: updatedAt, version: version
        )
    }

    /// The labels in `bugs.label_list`, the JSON array of a bug's labels
    /// that migration 0014's triggers copy from `bug_labels`, in order. A
    /// label is a-z 0-9 . _ - (the table's CHECK), so no string in the
    /// array has an escape.
    static func labels(inList list: String) throws -> [String] {
        // Read as bytes: a String's Character view costs grapheme breaking
        // on every bug of every page.
        var list = list
        return try list.withUTF8 { bytes in
            let (open, close, quote, comma) = (UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\""), UInt8(ascii: ","))
            guard bytes.count >= 2, bytes.first == open, bytes.last == close else {
                throw SQLiteError(code: .mismatch, message: "a bug's label_list is not a JSON array")
            }
            let items = bytes[1..<(bytes.count - 1)]
            if items.isEmpty { return [] }
            return try items.split(separator: comma, omittingEmptySubsequences: false).map { item in
                let label = item.dropFirst().dropLast()
                guard item.count > 2, item.first == quote, item.last == quote, !label.contains(quote) else {
                    throw SQLiteError(code: .mismatch, message: "a bug's label_list holds something other than labels")
                }
                return String(decoding: UnsafeBufferPointer(rebasing: label), as: UTF8.self)
            }
        }
    }

    private static func comment(_ row: Row) throws -> Comment {
        Comment(
            id: try row.int64("id"), bugID: try row.int64("bug_id"), authorID: try row.optionalInt64("author_id"),
            body: try row.text("body"), createdAt: try row.timestamp("created_at")
        )
    }

    private static func event(_ row: Row) throws -> BugEvent {
        let id = try row.int64("id")
        guard let kind = BugEvent.Kind(rawValue: try row.text("kind")) else {
            throw SQLiteError(code: .mismatch, message: "bug event \(id) has an unknown kind")
        }
        return BugEvent(
            id: id, bugID: try row.int64("bug_id"), actorID: try row.optionalInt64("actor_id"), kind: kind,
            changes: try row.optionalText("changes").map { try FieldChanges(json: $0) }, commentID: try row.optionalInt64("comment_id"),
            createdAt: try row.timestamp("created_at")
        )
    }

    private static func fetchBug(_ id: Int64, on connection: Connection) throws -> Bug? {
        try connection.queryFirst("SELECT \(columns) FROM bugs WHERE id = ?", [.integer(id)], bug)
    }

    // MARK: Writes

    public func create(
        _ bug: NewBug, actor: ActorID, idempotency: IdempotencyRecord<Bug>?, mails: @escaping @Sendable (Bug) -> [MailDraft]
    ) async throws -> Bug {
        let now = clock()
        return try await outbox.write("create bug", at: now) { connection, outbox in
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
                priority: bug.priority, labels: bug.labels, reporterID: bug.reporterID, assigneeID: bug.assigneeID,
                createdAt: now, updatedAt: now, version: 1
            )
            try Self.setLabels(created.labels, of: created.id, on: connection)
            for watcher in Set([bug.reporterID, bug.assigneeID].compactMap { $0 }) {
                try Self.watch(created.id, user: watcher, at: now, on: connection)
            }
            try Self.addEvent(to: created.id, actor: actor, kind: .created, at: now, on: connection)
            try outbox.append(contentsOf: mails(created))
            if let idempotency { try Self.keep(idempotency, for: created, at: now, on: connection) }
            return created
        }
    }

    public func update(
        id: Int64,
        changes: BugChanges,
        expectedVersion: Int,
        actor: ActorID,
        mails: @escaping @Sendable (_ before: Bug, _ after: Bug, _ watchers: [Int64]) -> [MailDraft]
    ) async throws -> Bug {
        let now = clock()
        return try await outbox.write("update bug", at: now) { connection, outbox in
            guard let current = try Self.fetchBug(id, on: connection) else { throw BugRepositoryError.notFound(id) }
            guard current.version == expectedVersion else {
                throw BugRepositoryError.versionMismatch(current: current.version)
            }
            let (updated, changed) = try current.applying(changes, at: now)
            guard !changed.isEmpty else { return current }
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
            if updated.labels != current.labels {
                try connection.execute("DELETE FROM bug_labels WHERE bug_id = ?", [.integer(id)])
                try Self.setLabels(updated.labels, of: id, on: connection)
            }
            if let assignee = updated.assigneeID, assignee != current.assigneeID {
                try Self.watch(id, user: assignee, at: now, on: connection)
            }
            try Self.addEvent(to: id, actor: actor, kind: .changed, changes: changed, at: now, on: connection)
            try outbox.append(contentsOf: mails(current, updated, try Self.watchers(of: id, on: connection)))
            return updated
        }
    }

    public func addComment(
        _ body: CommentBody, to bugID: Int64, author: ActorID, idempotency: IdempotencyRecord<Comment>?,
        mails: @escaping @Sendable (_ bug: Bug, _ comment: Comment, _ watchers: [Int64]) -> [MailDraft]
    ) async throws -> Comment {
        let now = clock()
        return try await outbox.write("add comment", at: now) { connection, outbox in
            try connection.execute(
                "INSERT INTO comments (bug_id, author_id, body, created_at) SELECT id, ?, ?, ? FROM bugs WHERE id = ?",
                [SQLiteValue(author), .text(body.text), now.sqliteValue, .integer(bugID)]
            )
            guard connection.changes == 1 else { throw BugRepositoryError.notFound(bugID) }
            let comment = Comment(id: connection.lastInsertRowID, bugID: bugID, authorID: author, body: body.text, createdAt: now)
            if let author { try Self.watch(bugID, user: author, at: now, on: connection) }
            try Self.addEvent(to: bugID, actor: author, kind: .commented, commentID: comment.id, at: now, on: connection)
            guard let bug = try Self.fetchBug(bugID, on: connection) else { throw BugRepositoryError.notFound(bugID) }
            try outbox.append(contentsOf: mails(bug, comment, try Self.watchers(of: bugID, on: connection)))
            if let idempotency { try Self.keep(idempotency, for: comment, at: now, on: connection) }
            return comment
        }
    }

    public func setWatching(_ watching: Bool, user userID: Int64, bug bugID: Int64) async throws {
        let now = clock()
        try await database.write("set watching") { connection in
            guard try Self.bugExists(bugID, on: connection) else { throw BugRepositoryError.notFound(bugID) }
            if watching {
                try Self.watch(bugID, user: userID, at: now, on: connection)
            } else {
                try connection.execute("DELETE FROM watchers WHERE bug_id = ? AND user_id = ?", [.integer(bugID), .integer(userID)])
            }
        }
    }

    private static func setLabels(_ labels: [String], of bugID: Int64, on connection: Connection) throws {
        for label in labels {
            try connection.execute("INSERT INTO bug_labels (bug_id, label) VALUES (?, ?)", [.integer(bugID), .text(label)])
        }
    }

    private static func watch(_ bugID: Int64, user: Int64, at time: Timestamp, on connection: Connection) throws {
        try connection.execute(
            "INSERT INTO watchers (bug_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [.integer(bugID), .integer(user), time.sqliteValue]
        )
    }

    private static func addEvent(
        to bugID: Int64, actor: ActorID, kind: BugEvent.Kind, changes: FieldChanges? = nil, commentID: Int64? = nil,
        at time: Timestamp, on connection: Connection
    ) throws {
        try connection.execute(
            "INSERT INTO bug_events (bug_id, actor_id, kind, changes, comment_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .integer(bugID), SQLiteValue(actor), .text(kind.rawValue), SQLiteValue(try changes?.json()), SQLiteValue(commentID),
                time.sqliteValue,
            ]
        )
    }

    private static func bugExists(_ bugID: Int64, on connection: Connection) throws -> Bool {
        try connection.queryFirst("SELECT 1 FROM bugs WHERE id = ?", [.integer(bugID)]) { _ in true } ?? false
    }

    private static func watchers(of bugID: Int64, on connection: Connection) throws -> [Int64] {
        try connection.query("SELECT user_id FROM watchers WHERE bug_id = ? ORDER BY user_id", [.integer(bugID)]) { $0.int64(0) }
    }

    /// Keeps the answer for `record`'s key; a key kept already (by a write
    /// that committed first) rolls this write back.
    private static func keep<Value>(_ record: IdempotencyRecord<Value>, for value: Value, at time: Timestamp, on connection: Connection)
        throws
    {
        let response = try record.response(value)
        try connection.execute(
            """
            INSERT INTO idempotency_keys (caller, key, request_hash, status, location, etag, body, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (caller, key) DO UPDATE SET
                request_hash = excluded.request_hash, status = excluded.status, location = excluded.location,
                etag = excluded.etag, body = excluded.body, created_at = excluded.created_at
            WHERE idempotency_keys.created_at < ?
            """,
            [
                .text(record.request.caller), .text(record.request.key), .text(record.request.fingerprint),
                .integer(Int64(response.status)), SQLiteValue(response.location), SQLiteValue(response.eTag), .text(response.body),
                time.sqliteValue, time.adding(.seconds(-SQLiteIdempotencyStore.lifetimeSeconds)).sqliteValue,
            ]
        )
        // Nothing inserted or replaced: a live answer holds the key.
        guard connection.changes == 1 else { throw BugRepositoryError.idempotencyKeyTaken }
    }

    // MARK: Reads

    public func get(id: Int64) async throws -> Bug? {
        try await database.read { connection in try Self.fetchBug(id, on: connection) }
    }

    /// The filter as conditions on `bugs`; each label through its index.
    private static func conditions(_ filter: BugFilter, into conditions: inout SQLConditions) {
        conditions.add("bugs.status = ?", filter.status.map { .text($0.rawValue) })
        conditions.add("bugs.priority = ?", filter.priority.map { .text($0.rawValue) })
        conditions.add("bugs.reporter_id = ?", filter.reporterID.map { .integer($0) })
        conditions.add("bugs.assignee_id = ?", filter.assigneeID.map { .integer($0) })
        for label in filter.labels {
            conditions.add("bugs.id IN (SELECT bug_id FROM bug_labels WHERE label = ?)", .text(label))
        }
    }

    public func list(filter: BugFilter, after id: Int64, limit: Int) async throws -> Page<Bug> {
        var conditions = SQLConditions("bugs.id > ?", .integer(id))
        Self.conditions(filter, into: &conditions)
        let sql = "SELECT \(Self.columns) FROM bugs WHERE \(conditions.sql) ORDER BY bugs.id LIMIT ?"
        let arguments = conditions.arguments + [.integer(Int64(limit) + 1)]
        let rows = try await database.read { connection in
            try connection.query(sql, arguments, Self.bug)
        }
        return Page(fetched: rows, limit: limit, id: \.id)
    }

    /// Best match first, by the rank the index is configured with (BM25,
    /// title words weighing most, then the description's, then the
    /// comments'), ties in id order. The page is chosen from ids and ranks
    /// alone; only its rows are read in full.
    public func search(_ query: SearchQuery, filter: BugFilter, offset: Int, limit: Int) async throws -> (bugs: [Bug], more: Bool) {
        let (sql, arguments) = Self.searchStatement(query, filter: filter, offset: offset, limit: limit + 1)
        let rows = try await database.read { connection in
            try connection.query(sql, arguments, Self.bug)
        }
        return (Array(rows.prefix(limit)), rows.count > limit)
    }

    /// The statement `search` runs, apart so that its query plan can be tested.
    static func searchStatement(_ query: SearchQuery, filter: BugFilter, offset: Int, limit: Int) -> (String, [SQLiteValue]) {
        var conditions = SQLConditions("bug_search MATCH ?", .text(query.expression))
        Self.conditions(filter, into: &conditions)
        // The filters read the bugs' rows; without one, ranking needs none,
        // and joining every match to `bugs` cost a page read per match.
        let matches = filter == BugFilter() ? "bug_search" : "bug_search JOIN bugs ON bugs.id = bug_search.rowid"
        let sql = """
            SELECT \(Self.columns) FROM (
                SELECT bug_search.rowid AS id, bug_search.rank AS score FROM \(matches)
                WHERE \(conditions.sql) ORDER BY score, id LIMIT ? OFFSET ?
            ) AS hits JOIN bugs ON bugs.id = hits.id ORDER BY hits.score, hits.id
            """
        return (sql, conditions.arguments + [.integer(Int64(limit)), .integer(Int64(offset))])
    }

    public func comment(id: Int64, of bugID: Int64) async throws -> Comment? {
        try await database.read { connection in
            try connection.queryFirst(
                "SELECT id, bug_id, author_id, body, created_at FROM comments WHERE id = ? AND bug_id = ?",
                [.integer(id), .integer(bugID)],
                Self.comment)
        }
    }

    public func comments(of bugID: Int64, after id: Int64, limit: Int) async throws -> Page<Comment> {
        let rows = try await database.read { connection in
            try connection.query(
                "SELECT id, bug_id, author_id, body, created_at FROM comments WHERE bug_id = ? AND id > ? ORDER BY id LIMIT ?",
                [.integer(bugID), .integer(id), .integer(Int64(limit) + 1)], Self.comment)
        }
        return Page(fetched: rows, limit: limit, id: \.id)
    }

    public func events(of bugID: Int64, after id: Int64, limit: Int) async throws -> Page<BugEvent> {
        let rows = try await database.read { connection in
            try connection.query(
                """
                SELECT id, bug_id, actor_id, kind, changes, comment_id, created_at FROM bug_events
                WHERE bug_id = ? AND id > ? ORDER BY id LIMIT ?
                """,
                [.integer(bugID), .integer(id), .integer(Int64(limit) + 1)], Self.event)
        }
        return Page(fetched: rows, limit: limit, id: \.id)
    }

    public func watchers(of bugID: Int64) async throws -> [Int64]? {
        try await database.read { connection in
            try Self.bugExists(bugID, on: connection) ? try Self.watchers(of: bugID, on: connection) : nil
        }
    }

    /// One step of merging the search index's segments: about `pages`
    /// pages of merged index written, where some level holds four segments
    /// or more. False when there was nothing to merge.
    public func mergeSearchIndex(pages: Int) async throws -> Bool {
        try await database.write("merge search index") { connection in
            let before = connection.totalChanges
            try connection.execute("INSERT INTO bug_search (bug_search, rank) VALUES ('merge', ?)", [.integer(Int64(pages))])
            // FTS5's documented signal: a change count up by 2 or more means it merged.
            return connection.totalChanges - before >= 2
        }
    }
}

/// The answers kept for `Idempotency-Key`s, in the bugs service's database.
public struct SQLiteIdempotencyStore: IdempotencyStore {
    /// How long an answer is kept: 24 hours.
    public static let lifetimeSeconds: Int64 = 86_400

    private let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func find(caller: String, key: String, since time: Timestamp) async throws -> (fingerprint: String, response: StoredResponse)? {
        try await database.read { connection in
            try connection.queryFirst(
                """
                SELECT request_hash, status, location, etag, body FROM idempotency_keys
                WHERE caller = ? AND key = ? AND created_at >= ?
                """,
                [.text(caller), .text(key), time.sqliteValue]
            ) { row in
                (
                    try row.text("request_hash"),
                    StoredResponse(
                        status: try row.int("status"), location: try row.optionalText("location"), eTag: try row.optionalText("etag"),
                        body: try row.text("body"))
                )
            }
        }
    }

    /// In batches of 500, each its own short write (`Database.deleteInBatches`).
    public func prune(before time: Timestamp) async throws -> Int {
        try await database.deleteInBatches(
            "prune idempotency keys",
            "DELETE FROM idempotency_keys WHERE id IN (SELECT id FROM idempotency_keys WHERE created_at < ? LIMIT ?)",
            [time.sqliteValue])
    }
}
