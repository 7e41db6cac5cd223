public import SQLiteStore

/// The three services, by the names their migration folders, databases and
/// commands use.
public enum ServiceName: String, CaseIterable, Sendable, CustomStringConvertible {
    case users
    case bugs
    case notificator

    public var description: String { rawValue }
}

/// The migrations in `Migrations/`, compiled into the binary by the
/// EmbedMigrations build plugin.
public enum MigrationCatalog {
    /// The migrations of `service`, in version order.
    public static func migrations(for service: ServiceName) -> [Migration] {
        embeddedMigrationFiles
            .filter { $0.service == service.rawValue }
            .compactMap { Migration(service: $0.service, fileName: $0.fileName, sql: $0.sql) }
            .sorted { $0.version < $1.version }
    }

    /// A migrator over the migrations of `service`.
    public static func migrator(for service: ServiceName) throws -> Migrator {
        try Migrator(service: service.rawValue, migrations: migrations(for: service))
    }
}
