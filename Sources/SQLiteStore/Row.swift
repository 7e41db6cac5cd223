import CSQLite

/// The row a statement is positioned on. Valid until the statement steps
/// again or is reset; read what you need into your own values.
///
/// Reads by index (0-based) or by column name. A NULL reads as 0, 0.0, "" or
/// an empty array from the non-optional accessors, and as nil from the
/// optional ones.
public struct Row {
    let statement: Statement

    private var handle: OpaquePointer { statement.handle }

    /// Whether the column at `index` holds NULL.
    public func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    public func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    public func int(_ index: Int32) -> Int {
        Int(sqlite3_column_int64(handle, index))
    }

    public func double(_ index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    public func text(_ index: Int32) -> String {
        // sqlite3_column_text first, then _bytes: the byte count is of the
        // UTF-8 form just produced, so embedded NULs survive.
        guard let pointer = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func blob(_ index: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    public func optionalInt64(_ index: Int32) -> Int64? { isNull(index) ? nil : int64(index) }
    public func optionalInt(_ index: Int32) -> Int? { isNull(index) ? nil : int(index) }
    public func optionalDouble(_ index: Int32) -> Double? { isNull(index) ? nil : double(index) }
    public func optionalText(_ index: Int32) -> String? { isNull(index) ? nil : text(index) }
    public func optionalBlob(_ index: Int32) -> [UInt8]? { isNull(index) ? nil : blob(index) }

    /// The column's value in its own storage class.
    public func value(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(int64(index))
        case SQLITE_FLOAT: .real(double(index))
        case SQLITE_TEXT: .text(text(index))
        case SQLITE_BLOB: .blob(blob(index))
        default: .null
        }
    }

    // By name: each looks the index up in the statement's column map.

    /// The index of the column named `name`; throws when there is none.
    public func columnIndex(_ name: String) throws -> Int32 { try statement.columnIndex(named: name) }

    public func isNull(_ name: String) throws -> Bool { isNull(try statement.columnIndex(named: name)) }
    public func int64(_ name: String) throws -> Int64 { int64(try statement.columnIndex(named: name)) }
    public func int(_ name: String) throws -> Int { int(try statement.columnIndex(named: name)) }
    public func double(_ name: String) throws -> Double { double(try statement.columnIndex(named: name)) }
    public func text(_ name: String) throws -> String { text(try statement.columnIndex(named: name)) }
    public func blob(_ name: String) throws -> [UInt8] { blob(try statement.columnIndex(named: name)) }
    public func optionalInt64(_ name: String) throws -> Int64? { optionalInt64(try statement.columnIndex(named: name)) }
    public func optionalInt(_ name: String) throws -> Int? { optionalInt(try statement.columnIndex(named: name)) }
    public func optionalDouble(_ name: String) throws -> Double? { optionalDouble(try statement.columnIndex(named: name)) }
    public func optionalText(_ name: String) throws -> String? { optionalText(try statement.columnIndex(named: name)) }
    public func optionalBlob(_ name: String) throws -> [UInt8]? { optionalBlob(try statement.columnIndex(named: name)) }
    public func value(_ name: String) throws -> SQLiteValue { value(try statement.columnIndex(named: name)) }
}

@available(*, unavailable)
extension Row: Sendable {}
