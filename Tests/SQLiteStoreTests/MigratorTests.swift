import EmbeddedMigrations
import SQLiteStore
import TestSupport
import Testing

@Suite struct MigratorTests {
    let first = Migration(
        service: "demo", version: 1, name: "create_notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT;")
    let second = Migration(service: "demo", version: 2, name: "add_index", sql: "CREATE INDEX notes_body ON notes (body);")

    func tables(_ database: Database) async throws -> [String] {
        try await database.read { connection in
            try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") { $0.text(0) }
        }
    }

    @Test func appliesInOrderAndRecordsEach() async throws {
        try await withEmptyDatabase { database in
            let applied = try await database.migrate(with: Migrator(service: "demo", migrations: [second, first]))
            #expect(applied.map(\.version) == [1, 2])
            let rows = try await database.read { connection in
                try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version") {
                    ($0.int(0), $0.text(1), $0.text(2), $0.text(3))
                }
            }
            #expect(rows.map(\.0) == [1, 2])
            #expect(rows.map(\.1) == ["create_notes", "add_index"])
            #expect(rows.map(\.2) == [first.checksum, second.checksum])
            #expect(rows.allSatisfy { $0.3.hasSuffix("Z") && $0.3.count == 24 })
        }
    }

    @Test func secondRunAppliesNothing() async throws {
        try await withEmptyDatabase { database in
            let migrator = try Migrator(service: "demo", migrations: [first, second])
            try await database.migrate(with: migrator)
            #expect(try await database.migrate(with: migrator).isEmpty)
            #expect(try await database.migrationStatus(with: migrator).map(\.state) == [.applied, .applied])
            try await database.verifySchema(with: migrator)
        }
    }

    /// The writer keeps its journals in memory; a migration, which may
    /// rewrite a whole table, journals to a file, and the writer's setting
    /// is back afterwards. (`temp_store`: 1 is FILE, 2 is MEMORY.)
    @Test func migrationsJournalToAFileAndTheWriterKeepsItsMemory() async throws {
        try await withEmptyDatabase { database in
            let observe = Migration(
                service: "demo", version: 1, name: "observe_temp_store",
                sql: "CREATE TABLE observed AS SELECT temp_store FROM pragma_temp_store;")
            try await database.migrate(with: Migrator(service: "demo", migrations: [observe]))
            let during = try await database.read { try $0.queryFirst("SELECT temp_store FROM observed") { $0.int(0) } }
            #expect(during == 1)
            let after = try await database.write { try $0.queryFirst("PRAGMA temp_store") { $0.int(0) } }
            #expect(after == 2)
        }
    }

    @Test func checksumIsSHA256OfTheFile() {
        // sha256("") is well known; a change of one byte changes it.
        #expect(
            Migration(service: "x", version: 1, name: "empty", sql: "").checksum
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(first.checksum != Migration(service: "demo", version: 1, name: "create_notes", sql: first.sql + " ").checksum)
    }

    @Test func anEditedFileStopsUpAndNamesTheFile() async throws {
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "demo", migrations: [first]))
            let edited = Migration(service: "demo", version: 1, name: "create_notes", sql: first.sql + "\n-- edited")
            let migrator = try Migrator(service: "demo", migrations: [edited, second])
            do {
                try await database.migrate(with: migrator)
                Issue.record("expected a refusal")
            } catch let error as MigrationError {
                #expect(error.description.contains("Migrations/demo/0001_create_notes.sql has changed since it was applied"))
            }
            // Nothing after it was applied either.
            #expect(try await database.migrationStatus(with: migrator).map(\.state) == [.modified, .pending])
            await #expect(throws: MigrationError.self) { try await database.verifySchema(with: migrator) }
        }
    }

    @Test func aFailingMigrationLeavesTheDatabaseAsItWasAndNamesFileAndMessage() async throws {
        try await withEmptyDatabase { database in
            let broken = Migration(
                service: "demo", version: 2, name: "broken",
                sql: "CREATE TABLE half_done (id INTEGER) STRICT; INSERT INTO nowhere VALUES (1);"
            )
            do {
                try await database.migrate(with: Migrator(service: "demo", migrations: [first, broken]))
                Issue.record("expected a failure")
            } catch let error as MigrationError {
                #expect(error.description.contains("Migrations/demo/0002_broken.sql failed"))
                #expect(error.description.contains("no such table: nowhere"))
            }
            // 0001 stays applied; nothing of 0002 remains.
            #expect(try await tables(database) == ["notes", "schema_migrations"])
            let versions = try await database.read { connection in
                try connection.query("SELECT version FROM schema_migrations") { $0.int(0) }
            }
            #expect(versions == [1])
        }
    }

    @Test func aDatabaseFromANewerBinaryIsRefused() async throws {
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "demo", migrations: [first, second]))
            let older = try Migrator(service: "demo", migrations: [first])
            do {
                try await database.migrate(with: older)
                Issue.record("expected a refusal")
            } catch let error as MigrationError {
                guard case .unknownVersions(_, let versions) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(versions == [2])
            }
            await #expect(throws: MigrationError.self) { try await database.verifySchema(with: older) }
            #expect(try await database.migrationStatus(with: older).map(\.state) == [.applied, .unknown])
        }
    }

    @Test func pendingMigrationsFailVerification() async throws {
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "demo", migrations: [first]))
            do {
                try await database.verifySchema(with: Migrator(service: "demo", migrations: [first, second]))
                Issue.record("expected a refusal")
            } catch let error as MigrationError {
                #expect(error.description.contains("run `bugtracker-migrate up`"))
            }
        }
    }

    @Test func duplicateVersionsAreRejected() {
        let clash = Migration(service: "demo", version: 1, name: "other", sql: "")
        #expect(throws: MigrationError.self) { try Migrator(service: "demo", migrations: [first, clash]) }
    }

    @Test func twoConcurrentRunsOnOneFileApplyEachMigrationOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("shared.db")
            let migrator = try Migrator(service: "bugs", migrations: MigrationCatalog.migrations(in: "bugs"))
            // Two databases on one file stand for two processes.
            let a = try await Database.open(path: path)
            let b = try await Database.open(path: path)
            async let appliedByA = a.migrate(with: migrator)
            async let appliedByB = b.migrate(with: migrator)
            let (fromA, fromB) = try await (appliedByA, appliedByB)
            #expect(fromA.count + fromB.count == migrator.migrations.count)
            #expect(Set(fromA.map(\.version)).isDisjoint(with: fromB.map(\.version)))
            try await a.verifySchema(with: migrator)
            await a.close()
            await b.close()
        }
    }

    @Test func fileNamesParse() {
        #expect(Migration.parse(fileName: "0001_create_users.sql")! == (1, "create_users"))
        #expect(Migration.parse(fileName: "12_x.sql") == nil)
        #expect(Migration.parse(fileName: "0001_.sql") == nil)
        #expect(Migration.parse(fileName: "0001_x.txt") == nil)
        #expect(Migration.fileName(version: 7, name: "add_x") == "0007_add_x.sql")
    }

    // MARK: Foreign keys

    let parentsAndChildren = Migration(
        service: "demo", version: 1, name: "create_parents",
        sql: """
            CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;
            CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id)) STRICT;
            INSERT INTO parents (id, name) VALUES (1, 'one'), (2, 'two');
            INSERT INTO children (parent_id) VALUES (1), (2), (2);
            """
    )

    @Test func aMigrationCanRebuildATableOthersReferTo() async throws {
        // SQLite's twelve steps: a new table, a copy, the old one dropped, the
        // new one renamed. With foreign keys on, DROP TABLE parents would fail
        // (or cascade); the migrator turns them off around the migration.
        let rebuild = Migration(
            service: "demo", version: 2, name: "rebuild_parents",
            sql: """
                CREATE TABLE new_parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) <= 50), note TEXT) STRICT;
                INSERT INTO new_parents (id, name) SELECT id, name FROM parents;
                DROP TABLE parents;
                ALTER TABLE new_parents RENAME TO parents;
                """
        )
        try await withEmptyDatabase { database in
            let migrator = try Migrator(service: "demo", migrations: [parentsAndChildren, rebuild])
            #expect(try await database.migrate(with: migrator).map(\.version) == [1, 2])
            let (children, foreignKeys, problems) = try await database.read { connection in
                (
                    try connection.queryFirst("SELECT count(*) AS n FROM children JOIN parents ON parents.id = children.parent_id") {
                        try $0.int("n")
                    },
                    try connection.queryFirst("PRAGMA foreign_keys") { $0.int(0) },
                    try connection.query("PRAGMA foreign_key_check") { $0.text(0) }
                )
            }
            #expect(children == 3 && problems.isEmpty)
            #expect(foreignKeys == 1, "foreign keys are on again after the migration")
        }
    }

    @Test func aMigrationThatLeavesADanglingReferenceFailsAndChangesNothing() async throws {
        let orphaning = Migration(
            service: "demo", version: 2, name: "drop_a_parent",
            sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY) STRICT; DELETE FROM parents WHERE id = 2;"
        )
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "demo", migrations: [parentsAndChildren]))
            do {
                try await database.migrate(with: Migrator(service: "demo", migrations: [parentsAndChildren, orphaning]))
                Issue.record("expected the migration to fail")
            } catch let error as MigrationError {
                #expect(error.description.contains("Migrations/demo/0002_drop_a_parent.sql failed"))
                #expect(error.description.contains("2 row(s) whose foreign key points at nothing (first: children row"))
            }
            let (parents, notes) = try await database.read { connection in
                (
                    try connection.queryFirst("SELECT count(*) FROM parents") { $0.int(0) },
                    try connection.queryFirst("SELECT count(*) FROM sqlite_schema WHERE name = 'notes'") { $0.int(0) }
                )
            }
            #expect(parents == 2 && notes == 0)
        }
    }

    @Test func sharedMigrationsKeepTheChecksumOfTheCopiesTheyReplace() throws {
        // users and bugs applied byte-identical copies of the outbox's SQL as
        // their 0002; the shared file must give the same checksum, or every
        // existing database would refuse to start.
        let applied = "81d031899b4f750d3dbcb1a631baa68464baa2e3b3776654bab8ef9ea5d54847"
        for service in ["users", "bugs"] {
            let outbox = MigrationCatalog.migrations(in: service).first { $0.version == 2 }
            #expect(outbox?.name == "create_outbox")
            #expect(outbox?.path == "Migrations/outbox/0001_create_outbox.sql")
            #expect(outbox?.checksum == applied)
        }
    }
}
