import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before the bind call
/// returns. A cast in a C macro, so Swift does not import it.
let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A prepared statement, finalized when it is released.
///
/// A statement belongs to the connection that prepared it and to the thread
/// that uses that connection, so it is explicitly not `Sendable`.
public final class Statement {
    let handle: OpaquePointer
    /// The connection's handle, for error messages. Connections close with
    /// `sqlite3_close_v2`, which waits for their statements to be finalized.
    private let database: OpaquePointer
    /// The SQL text this statement was prepared from.
    public let sql: String
    private var columnIndexes: [String: Int32]?
    /// The columns' names by index, once a column has been read by name;
    /// nil for a column whose name an earlier column has too.
    private var columnNames: [String?] = []
    /// The column after the last one read by name (the first after the last).
    private var nextColumn = 0

    init(database: OpaquePointer, sql: String) throws {
        var handle: OpaquePointer?
        // Whether anything but white space and comments follows the first
        // statement: SQLite would prepare the first alone and silently drop
        // the rest, so a second statement is refused instead.
        var followedByStatement = false
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(database, text, -1, &handle, &tail)
            if code == SQLITE_OK, handle != nil, let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                if sqlite3_prepare_v2(database, tail, -1, &next, nil) != SQLITE_OK || next != nil { followedByStatement = true }
                sqlite3_finalize(next)
            }
            return code
        }
        guard code == SQLITE_OK else {
            throw SQLiteError(code: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(database)), sql: sql)
        }
        guard let handle else {
            throw SQLiteError(code: .misuse, message: "the SQL holds no statement", sql: sql)
        }
        guard !followedByStatement else {
            sqlite3_finalize(handle)
            throw SQLiteError(code: .misuse, message: "the SQL holds more than one statement (a script takes executeScript)", sql: sql)
        }
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// The number of parameters (`?`) the statement takes.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    /// Binds `value` to the parameter at `index` (1-based, as in SQLite).
    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .integer(let integer):
            code = sqlite3_bind_int64(handle, index, integer)
        case .real(let double):
            code = sqlite3_bind_double(handle, index, double)
        case .text(var text):
            // An explicit byte count keeps embedded NULs; an empty string must
            // still pass a non-NULL pointer, or SQLite binds NULL.
            code = text.withUTF8 { utf8 in
                if let base = utf8.baseAddress, utf8.count > 0 {
                    return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        sqlite3_bind_text(handle, index, $0, Int32(utf8.count), SQLITE_TRANSIENT)
                    }
                }
                return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
            }
        case .blob(let bytes):
            code = bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress, raw.count > 0 {
                    return sqlite3_bind_blob(handle, index, base, Int32(raw.count), SQLITE_TRANSIENT)
                }
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
        case .null:
            code = sqlite3_bind_null(handle, index)
        }
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// Clears earlier bindings, then binds `values` to parameters 1, 2, ….
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_clear_bindings(handle)
        guard values.count == Int(parameterCount) else {
            throw SQLiteError(
                code: .range,
                message: "the statement takes \(parameterCount) arguments, \(values.count) given",
                sql: sql
            )
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    // MARK: Stepping

    /// Runs the statement to its next row: true when a row is ready to read,
    /// false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw error(code)
        }
    }

    /// Makes the statement ready to run again and releases the snapshot a
    /// half-read statement holds. Bindings stay.
    public func reset() {
        sqlite3_reset(handle)
    }

    /// The current row. Valid until the next `step()` or `reset()`.
    public var row: Row { Row(statement: self) }

    // MARK: Columns

    /// The number of columns in a result row.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of the column at `index` (0-based).
    public func columnName(at index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    /// The index of the column named `name`.
    public func columnIndex(named name: String) throws -> Int32 {
        if columnIndexes == nil {
            var indexes: [String: Int32] = [:]
            columnNames = (0..<columnCount).map { index in
                let name = columnName(at: index)
                guard indexes[name] == nil else { return nil }
                indexes[name] = index
                return name
            }
            columnIndexes = indexes
        }
        // A row is mostly read in the order its columns were selected: the
        // column after the last one read is compared before the name is
        // hashed (hashing was 6% of listing bugs).
        let guess = nextColumn == columnNames.count ? 0 : nextColumn
        if guess < columnNames.count, columnNames[guess] == name {
            nextColumn = guess + 1
            return Int32(guess)
        }
        guard let index = columnIndexes?[name] else {
            throw SQLiteError(code: .range, message: "no column named \(name)", sql: sql)
        }
        nextColumn = Int(index) + 1
        return index
    }

    func error(_ code: Int32) -> SQLiteError {
        // With extended result codes on, `code` is already extended; the
        // message is the connection's, set by the call that just failed.
        SQLiteError(code: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(database)), sql: sql)
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
