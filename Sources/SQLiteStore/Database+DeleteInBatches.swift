extension Database {
    /// Runs `sql`, a `DELETE` whose last parameter is its batch size
    /// (`… WHERE id IN (SELECT id … LIMIT ?)`), as writes of their own until
    /// one deletes fewer than `batchSize` rows, and returns how many went.
    /// A prune of many rows so never holds the writer, and the requests
    /// queued behind it, for long, and its journal stays small.
    public func deleteInBatches(
        _ operation: String, _ sql: String, _ arguments: [SQLiteValue], batchSize: Int = 500
    ) async throws -> Int {
        let arguments = arguments + [.integer(Int64(batchSize))]
        var deleted = 0
        while true {
            let batch = try await write(operation) { connection in
                try connection.execute(sql, arguments)
                return connection.changes
            }
            deleted += batch
            if batch < batchSize { return deleted }
        }
    }
}
