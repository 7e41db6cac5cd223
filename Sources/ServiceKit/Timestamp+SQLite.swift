public import SQLiteStore

extension Timestamp: SQLiteValueConvertible {
    /// Stored as RFC 3339 text, readable in the `sqlite3` shell and ordered
    /// correctly by text comparison.
    public var sqliteValue: SQLiteValue { .text(rfc3339) }
}

extension Row {
    /// The timestamp in the column at `index`; throws when the text is not one.
    public func timestamp(_ index: Int32) throws -> Timestamp {
        let text = self.text(index)
        guard let timestamp = Timestamp(rfc3339: text) else {
            throw SQLiteError(code: .mismatch, message: "column \(index) holds \(text.debugDescription), not an RFC 3339 timestamp")
        }
        return timestamp
    }

    /// The timestamp in the column at `index`, or nil when it is NULL.
    public func optionalTimestamp(_ index: Int32) throws -> Timestamp? {
        isNull(index) ? nil : try timestamp(index)
    }
}

extension Row {
    /// The timestamp in the column named `name`; throws when the text is not one.
    public func timestamp(_ name: String) throws -> Timestamp {
        try timestamp(try columnIndex(name))
    }

    /// The timestamp in the column named `name`, or nil when it is NULL.
    public func optionalTimestamp(_ name: String) throws -> Timestamp? {
        try optionalTimestamp(try columnIndex(name))
    }
}
