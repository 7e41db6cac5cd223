/// Why a database's schema cannot be brought up to date, or cannot be used.
/// Each description is one line a person can act on.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// A migration's SQL failed; its transaction was rolled back.
    case failed(path: String, message: String)
    /// An applied migration's file has changed since it was applied.
    case checksumMismatch(path: String, recorded: String, current: String)
    /// The database has migrations this binary does not know.
    case unknownVersions(service: String, versions: [Int])
    /// Migrations are pending (for a service that does not migrate by itself).
    case pending(service: String, migrations: [Migration])
    /// Two migration files share a version.
    case duplicateVersion(service: String, version: Int)

    public var description: String {
        switch self {
        case .failed(let path, let message):
            return "\(path) failed: \(message); the database is as it was before it"
        case .checksumMismatch(let path, let recorded, let current):
            return "\(path) has changed since it was applied (checksum \(recorded.prefix(12)) applied, \(current.prefix(12)) now); "
                + "restore the file and put the change in a new migration"
        case .unknownVersions(let service, let versions):
            let list = versions.map { Migration.fileName(version: $0, name: "*") }.joined(separator: ", ")
            return "the \(service) database has migrations this binary does not know (\(list)): "
                + "it was migrated by a newer bugtracker"
        case .pending(let service, let migrations):
            let list = migrations.map(\.fileName).joined(separator: ", ")
            return "the \(service) database schema is behind (\(migrations.count) pending: \(list)); run `bugtracker-migrate up`"
        case .duplicateVersion(let service, let version):
            return "two migrations of \(service) have version \(version)"
        }
    }
}
