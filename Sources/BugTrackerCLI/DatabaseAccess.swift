import SQLiteStore
import ServiceKit

/// Opening a database for a command, with failures turned into one line.
enum DatabaseAccess {
    /// Opens the database at `path`, runs `body`, and closes it; errors from
    /// either come back as a `CommandFailure` naming the file.
    static func withDatabase<T: Sendable>(
        at path: String,
        create: Bool = true,
        _ body: (Database) async throws -> T
    ) async throws -> T {
        let database: Database
        do {
            database = try await Database.open(path: path, configuration: DatabaseConfiguration(readers: 1, create: create))
        } catch {
            throw CommandFailure(describeDatabaseError(error, path: path))
        }
        do {
            try await database.checkIntegrity()
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw CommandFailure(describeDatabaseError(error, path: path))
        }
    }
}
