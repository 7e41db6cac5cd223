public import SQLiteStore

/// The migrations in `Migrations/`, compiled into the binary by the
/// EmbedMigrations build plugin: one folder per service, and one per module
/// whose tables several services share (`outbox`).
public enum MigrationCatalog {
    /// The migrations of `Migrations/<folder>/`, in version order; a
    /// `NNNN_name.shared` file there is the shared migration it names.
    public static func migrations(in folder: String) -> [Migration] {
        embeddedMigrationFiles
            .filter { $0.folder == folder }
            .compactMap { Migration(service: folder, fileName: $0.fileName, sql: $0.sql, path: $0.path) }
            .sorted { $0.version < $1.version }
    }
}
