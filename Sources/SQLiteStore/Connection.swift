import CSQLite

/// One SQLite connection: WAL journal, foreign keys on, a busy timeout, the
/// configured `synchronous`, extended result codes, and a cache of prepared
/// statements.
///
/// A connection is used by one thread at a time (SQLite is opened in its
/// multi-thread mode, without its own mutexes), so it is explicitly not
/// `Sendable`. `Database` gives each connection a thread of its own.
public final class Connection {
    let handle: OpaquePointer
    /// The file this connection opened.
    public let path: String
    private var statements: [String: Statement] = [:]
    private var isClosed = false

    /// Opens (and with `options.create`, creates) the database at `path`.
    ///
    /// Fails with `ResultCode.notADatabase` when the file is not SQLite, and
    /// `ResultCode.cantOpen` when it cannot be opened.
    public init(path: String, options: ConnectionOptions = ConnectionOptions()) throws {
        var handle: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if options.create { flags |= SQLITE_OPEN_CREATE }
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw SQLiteError(code: ResultCode(rawValue: code), message: message)
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        let milliseconds =
            options.busyTimeout.components.seconds * 1000
            + options.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
        do {
            // journal_mode reads the header first: a file that is not SQLite
            // fails here, at open, rather than at the first query.
            if options.queryOnly {
                try execute("PRAGMA query_only = ON")
                _ = try query("SELECT count(*) FROM sqlite_schema") { $0.int(0) }
            } else {
                _ = try query("PRAGMA journal_mode = WAL") { $0.text(0) }
            }
            try execute("PRAGMA foreign_keys = ON")
            try execute("PRAGMA synchronous = \(options.synchronous.rawValue.uppercased())")
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Finalizes cached statements and closes the connection. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        // close_v2 defers the close until any statement still alive is
        // finalized, so a Statement outliving its connection stays safe.
        sqlite3_close_v2(handle)
    }

    // MARK: Statements

    /// Prepares `sql` afresh. Prefer `cachedStatement(_:)` for SQL that runs
    /// more than once.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: handle, sql: sql)
    }

    /// The cached statement for `sql`, prepared on first use and reset for
    /// reuse.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statements[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    /// Runs one statement with `arguments`, through the statement cache.
    public func execute(_ sql: String, _ arguments: [SQLiteValue] = []) throws {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs a script of several statements (a migration, say), uncached.
    public func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            throw SQLiteError(code: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: text)
        }
    }

    /// Runs a query and maps every row with `transform`.
    public func query<T>(_ sql: String, _ arguments: [SQLiteValue] = [], _ transform: (Row) throws -> T) throws -> [T] {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        var results: [T] = []
        while try statement.step() {
            results.append(try transform(statement.row))
        }
        return results
    }

    /// Runs a query and maps its first row, if any, with `transform`.
    public func queryFirst<T>(_ sql: String, _ arguments: [SQLiteValue] = [], _ transform: (Row) throws -> T) throws -> T? {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        return try statement.step() ? transform(statement.row) : nil
    }

    /// The rowid of the last row this connection inserted.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows changed since the connection opened, by every statement and
    /// trigger, and by FTS5's commands (which report work this way only).
    public var totalChanges: Int64 { sqlite3_total_changes64(handle) }

    /// Whether a transaction is open. SQLite ends one by itself after some
    /// errors (a full disk, an I/O error), which this tells.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// How a transaction takes its locks.
    public enum TransactionKind: String, Sendable {
        /// Takes a read snapshot at the first read, the write lock at the first write.
        case deferred = "BEGIN DEFERRED"
        /// Takes the write lock at once, so its writes never fail with SQLITE_BUSY midway.
        case immediate = "BEGIN IMMEDIATE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back
    /// when it throws.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try execute(kind.rawValue)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            rollback()
            throw error
        }
    }

    /// Rolls the open transaction back, if there is one. A rollback cannot
    /// usefully fail: SQLite leaves autocommit on either way.
    func rollback() {
        if isInTransaction {
            try? execute("ROLLBACK")
        }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
