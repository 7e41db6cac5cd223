import EmbeddedMigrations
public import SQLiteStore

/// Runs `body` on a database in a fresh temporary file with the real
/// migrations of `service` (its folder in `Migrations/`) applied; closes it
/// and deletes the file afterwards.
public func withMigratedDatabase<T>(
    _ service: String,
    configuration: DatabaseConfiguration = DatabaseConfiguration(synchronous: .normal),
    _ body: (Database) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory("bugtracker-\(service)") { directory in
        let database = try await Database.open(path: directory.file("\(service).db"), configuration: configuration)
        do {
            try await database.migrate(with: Migrator(service: service, migrations: MigrationCatalog.migrations(in: service)))
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}

/// Runs `body` on an empty database in a fresh temporary file, without
/// migrations; closes it and deletes the file afterwards.
public func withEmptyDatabase<T>(
    configuration: DatabaseConfiguration = DatabaseConfiguration(synchronous: .normal),
    _ body: (Database) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory("bugtracker-empty") { directory in
        let database = try await Database.open(path: directory.file("test.db"), configuration: configuration)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}
