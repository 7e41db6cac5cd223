public import EmbeddedMigrations
public import SQLiteStore

extension Database {
    /// Whether the database answers and its schema is exactly `service`'s
    /// migrations: what `/ready` reports.
    public func isCurrent(for service: ServiceName) async -> Bool {
        guard let migrator = try? MigrationCatalog.migrator(for: service) else { return false }
        return (try? await read { try migrator.verify(on: $0) }) != nil
    }
}
