import CSQLite

/// A SQLite result code: a primary code (`SQLITE_CONSTRAINT`) or an extended
/// one (`SQLITE_CONSTRAINT_UNIQUE`).
///
/// Matching with `~=` lets a `catch` clause pick out one failure:
///
/// ```swift
/// do { try repository.create(user) }
/// catch ResultCode.constraintUnique { ... }   // only a UNIQUE violation
/// catch ResultCode.constraint { ... }         // any constraint violation
/// ```
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The primary code of an extended code (the low byte).
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    /// Whether this is a primary code, which matches all of its extended codes.
    public var isPrimary: Bool { rawValue & 0xFF == rawValue }

    public var description: String { "\(String(cString: sqlite3_errstr(rawValue))) (\(rawValue))" }

    public static let error = ResultCode(rawValue: SQLITE_ERROR)
    public static let busy = ResultCode(rawValue: SQLITE_BUSY)
    public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
    public static let readonly = ResultCode(rawValue: SQLITE_READONLY)
    public static let interrupt = ResultCode(rawValue: SQLITE_INTERRUPT)
    public static let ioError = ResultCode(rawValue: SQLITE_IOERR)
    public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
    public static let full = ResultCode(rawValue: SQLITE_FULL)
    public static let cantOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
    public static let tooBig = ResultCode(rawValue: SQLITE_TOOBIG)
    public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    public static let mismatch = ResultCode(rawValue: SQLITE_MISMATCH)
    public static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    public static let range = ResultCode(rawValue: SQLITE_RANGE)
    public static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)

    // The extended codes are function-like macros in sqlite3.h, which Swift
    // does not import; their values are fixed by SQLite's file format docs.
    public static let constraintCheck = ResultCode(rawValue: SQLITE_CONSTRAINT | (1 << 8))
    public static let constraintForeignKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (3 << 8))
    public static let constraintNotNull = ResultCode(rawValue: SQLITE_CONSTRAINT | (5 << 8))
    public static let constraintPrimaryKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (6 << 8))
    public static let constraintUnique = ResultCode(rawValue: SQLITE_CONSTRAINT | (8 << 8))

    /// Matches a `SQLiteError` whose code is `pattern`, or, when `pattern` is a
    /// primary code, any of its extended codes.
    public static func ~= (pattern: ResultCode, error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return pattern.isPrimary ? error.code.primary == pattern : error.code == pattern
    }
}

/// An error reported by SQLite: its extended result code, its message, and the
/// SQL that was running.
///
/// The description names the SQL, so it belongs in logs and on a terminal,
/// never in a response to a client.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    public let code: ResultCode
    /// SQLite's message (`sqlite3_errmsg`), or ours for a misuse we detect.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = "SQLite error \(code.rawValue): \(message)"
        if let sql { text += " (while running `\(sql)`)" }
        return text
    }
}
