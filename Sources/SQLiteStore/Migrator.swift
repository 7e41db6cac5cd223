/// Applies a service's migrations in order, each in its own transaction
/// together with its row in `schema_migrations(version, name, checksum,
/// applied_at)`, and checks applied ones against their files.
///
/// Safe to run from two processes at once: each migration is applied under
/// `BEGIN IMMEDIATE`, after checking again that nobody applied it meanwhile.
///
/// Foreign keys are off while a migration runs, so that it can rebuild a
/// table others refer to (SQLite's twelve steps: create the new table, copy,
/// drop the old, rename); `PRAGMA foreign_key_check` runs before the commit,
/// and any reference left pointing at nothing fails the migration.
public struct Migrator: Sendable {
    /// The service whose migrations these are.
    public let service: String
    /// The migrations, in version order.
    public let migrations: [Migration]

    /// What `status` says of one migration.
    public enum State: String, Sendable {
        /// Applied, and its file is unchanged.
        case applied
        /// Not applied yet.
        case pending
        /// Applied, but its file has changed since.
        case modified
        /// Applied, but this binary has no such file.
        case unknown
    }

    /// One line of `status`.
    public struct Entry: Sendable, Equatable {
        public let version: Int
        public let name: String
        /// The file's checksum, or the recorded one when there is no file.
        public let checksum: String
        /// The checksum recorded when it was applied, if it was.
        public let recordedChecksum: String?
        public let state: State
        /// When it was applied (RFC 3339), if it was.
        public let appliedAt: String?
    }

    /// A migrator for `migrations`; throws when two share a version.
    public init(service: String, migrations: [Migration]) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(service: service, version: next.version)
        }
        self.service = service
        self.migrations = sorted
    }

    private struct Applied {
        let version: Int
        let name: String
        let checksum: String
        let appliedAt: String
    }

    /// Every known and every applied migration, in version order.
    public func status(on connection: Connection) throws -> [Entry] {
        entries(applied: try appliedMigrations(on: connection))
    }

    /// The status of a database that does not exist yet: all pending.
    public var statusOfNewDatabase: [Entry] { entries(applied: []) }

    private func entries(applied: [Applied]) -> [Entry] {
        let byVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        var entries = migrations.map { migration -> Entry in
            guard let record = byVersion[migration.version] else {
                return Entry(
                    version: migration.version, name: migration.name, checksum: migration.checksum,
                    recordedChecksum: nil, state: .pending, appliedAt: nil
                )
            }
            let state: State = record.checksum == migration.checksum ? .applied : .modified
            return Entry(
                version: migration.version, name: migration.name, checksum: migration.checksum,
                recordedChecksum: record.checksum, state: state, appliedAt: record.appliedAt
            )
        }
        let known = Set(migrations.map(\.version))
        for record in applied where !known.contains(record.version) {
            entries.append(
                Entry(
                    version: record.version, name: record.name, checksum: record.checksum,
                    recordedChecksum: record.checksum, state: .unknown, appliedAt: record.appliedAt
                )
            )
        }
        return entries.sorted { $0.version < $1.version }
    }

    /// Throws unless every migration is applied and unchanged and the
    /// database has none this binary does not know: what a service checks
    /// before it serves.
    public func verify(on connection: Connection) throws {
        let entries = try status(on: connection)
        try checkAppliedOnes(entries)
        let pending = entries.filter { $0.state == .pending }.map(\.version)
        if !pending.isEmpty {
            throw MigrationError.pending(service: service, migrations: migrations.filter { pending.contains($0.version) })
        }
    }

    /// Applies the pending migrations in order and returns them. Refuses to
    /// start when an applied migration has changed or is unknown; stops at
    /// the first that fails, which leaves no trace.
    @discardableResult
    public func migrate(on connection: Connection) throws -> [Migration] {
        try connection.transaction(.immediate) {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    checksum   TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                ) STRICT
                """
            )
        }
        try checkAppliedOnes(try status(on: connection))
        return try withJournalsOnDisk(on: connection) { try applyPending(on: connection) }
    }

    private func applyPending(on connection: Connection) throws -> [Migration] {
        var applied: [Migration] = []
        for migration in migrations {
            let didApply = try withForeignKeysOff(on: connection) {
                try connection.transaction(.immediate) { () throws -> Bool in
                    // Another process may have applied it since we looked.
                    if let checksum = try connection.queryFirst(
                        "SELECT checksum FROM schema_migrations WHERE version = ?",
                        [.integer(Int64(migration.version))],
                        { try $0.text("checksum") }
                    ) {
                        guard checksum == migration.checksum else {
                            throw MigrationError.checksumMismatch(path: migration.path, recorded: checksum, current: migration.checksum)
                        }
                        return false
                    }
                    do {
                        for function in [SQLFunction.refuse] + migration.functions { try connection.register(function) }
                        try connection.executeScript(migration.sql)
                    } catch let error as SQLiteError {
                        throw MigrationError.failed(path: migration.path, message: error.message)
                    }
                    try checkForeignKeys(after: migration, on: connection)
                    try connection.execute(
                        """
                        INSERT INTO schema_migrations (version, name, checksum, applied_at)
                        VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                        """,
                        [.integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum)]
                    )
                    return true
                }
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// Runs `body` with SQLite's temporary files on disk, and puts the
    /// setting back as it was. A database's writer keeps them in memory,
    /// where its jobs' journals are small (`Database`); a migration may
    /// rewrite a whole table or index, and its statement journal holds every
    /// page it changes: 170 MiB in memory for the search index of 100,000
    /// bugs (migration 0012), 20 MiB with the journal in a file.
    private func withJournalsOnDisk<T>(on connection: Connection, _ body: () throws -> T) throws -> T {
        let memory = 2  // `PRAGMA temp_store`'s number for MEMORY
        guard try connection.queryFirst("PRAGMA temp_store", [], { $0.int(0) }) == memory else { return try body() }
        try connection.execute("PRAGMA temp_store = FILE")
        defer { try? connection.execute("PRAGMA temp_store = MEMORY") }
        return try body()
    }

    /// Runs `body` with foreign keys off (a no-op inside a transaction, so it
    /// is done around it), and turns them back on as they were.
    private func withForeignKeysOff<T>(on connection: Connection, _ body: () throws -> T) throws -> T {
        let wasOn = try connection.queryFirst("PRAGMA foreign_keys") { $0.int(0) } == 1
        guard wasOn else { return try body() }
        try connection.execute("PRAGMA foreign_keys = OFF")
        defer { try? connection.execute("PRAGMA foreign_keys = ON") }
        return try body()
    }

    /// Fails `migration` when it left a row whose foreign key points at nothing.
    private func checkForeignKeys(after migration: Migration, on connection: Connection) throws {
        let violations = try connection.query("PRAGMA foreign_key_check") { row in
            (table: try row.text("table"), rowid: try row.optionalInt64("rowid"), parent: try row.text("parent"))
        }
        guard let first = violations.first else { return }
        throw MigrationError.failed(
            path: migration.path,
            message: "it leaves \(violations.count) row(s) whose foreign key points at nothing "
                + "(first: \(first.table) row \(first.rowid.map(String.init) ?? "?") → \(first.parent))"
        )
    }

    private func checkAppliedOnes(_ entries: [Entry]) throws {
        let unknown = entries.filter { $0.state == .unknown }.map(\.version)
        if !unknown.isEmpty {
            throw MigrationError.unknownVersions(service: service, versions: unknown)
        }
        if let modified = entries.first(where: { $0.state == .modified }),
            let migration = migrations.first(where: { $0.version == modified.version })
        {
            throw MigrationError.checksumMismatch(
                path: migration.path, recorded: modified.recordedChecksum ?? "", current: migration.checksum
            )
        }
    }

    private func appliedMigrations(on connection: Connection) throws -> [Applied] {
        let hasTable =
            try connection.queryFirst(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
            ) { _ in true } ?? false
        guard hasTable else { return [] }
        return try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version") { row in
            Applied(
                version: try row.int("version"), name: try row.text("name"), checksum: try row.text("checksum"),
                appliedAt: try row.text("applied_at"))
        }
    }
}

extension Database {
    /// Applies `migrator`'s pending migrations on the writer connection.
    @discardableResult
    public func migrate(with migrator: Migrator) async throws -> [Migration] {
        try await writeWithoutTransaction { try migrator.migrate(on: $0) }
    }

    /// `migrator`'s view of this database.
    public func migrationStatus(with migrator: Migrator) async throws -> [Migrator.Entry] {
        try await writeWithoutTransaction { try migrator.status(on: $0) }
    }

    /// Throws unless the schema is exactly `migrator`'s.
    public func verifySchema(with migrator: Migrator) async throws {
        try await writeWithoutTransaction { try migrator.verify(on: $0) }
    }
}
