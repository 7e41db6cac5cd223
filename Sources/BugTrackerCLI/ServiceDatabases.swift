import Foundation
import SQLiteStore
import ServiceKit

/// Opening a service's database at start.
enum ServiceDatabases {
    /// Opens `path` for the service named `service`. With `migrate`, pending
    /// migrations are applied (dev mode); without, a schema that is behind or
    /// ahead makes the service refuse to start, saying what to do. `readers`
    /// nil is `DatabaseConfiguration`'s default.
    static func open(
        _ service: String,
        migrator: Migrator,
        path: String,
        synchronous: Synchronous,
        readers: Int? = nil,
        migrate: Bool
    ) async throws -> Database {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if migrate { try DataDirectory.create(directory) }
        let database: Database
        do {
            let configuration = DatabaseConfiguration(
                synchronous: synchronous, readers: readers ?? DatabaseConfiguration.defaultReaders, create: migrate)
            database = try await Database.open(path: path, configuration: configuration)
        } catch ResultCode.cantOpen where !migrate && !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("\(path) does not exist; run `bugtracker-migrate up` to create the \(service) database")
        } catch {
            throw CommandFailure(describeDatabaseError(error, path: path))
        }
        do {
            try await database.checkIntegrity()
            if migrate {
                try await database.migrate(with: migrator)
            } else {
                try await database.verifySchema(with: migrator)
            }
            return database
        } catch {
            await database.close()
            throw CommandFailure(describeDatabaseError(error, path: path))
        }
    }
}
