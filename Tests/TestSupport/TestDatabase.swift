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
    try await withMigratedDatabase(MigrationCatalog.migrations(in: service), configuration: configuration, body)
}

/// Runs `body` on a database in a fresh temporary file with `migrations` (a
/// service's own, with the functions they call) applied; closes it and
/// deletes the file afterwards.
public func withMigratedDatabase<T>(
    _ migrations: [Migration],
    configuration: DatabaseConfiguration = DatabaseConfiguration(synchronous: .normal),
    _ body: (Database) async throws -> T
) async throws -> T {
    let service = migrations.first?.service ?? "empty"
    return try await withTemporaryDirectory("bugtracker-\(service)") { directory in
        let database = try await Database.open(path: directory.file("\(service).db"), configuration: configuration)
        do {
            try await database.migrate(with: Migrator(service: service, migrations: migrations))
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
