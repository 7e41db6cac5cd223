import EmbeddedMigrations
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import Bugs

/// Migration 0014 copies each bug's labels onto its row (`bugs.label_list`),
/// which is where reads now take them from. These tests hold the copy to
/// `bug_labels` through the service's writes and every kind of shell edit.
extension SQLiteBugRepositoryTests {
    /// Each bug's `label_list`, and what `bug_labels` says it should be, as
    /// "id list" lines in id order.
    static func labelLists(_ database: Database) async throws -> (kept: [String], fresh: [String]) {
        try await database.read { connection in
            let kept = try connection.query("SELECT id, label_list FROM bugs ORDER BY id") { "\($0.int64(0)) \($0.text(1))" }
            let fresh = try connection.query(
                """
                SELECT id, (SELECT json_group_array(label) FROM (SELECT label FROM bug_labels WHERE bug_id = bugs.id ORDER BY label))
                FROM bugs ORDER BY id
                """
            ) { "\($0.int64(0)) \($0.text(1))" }
            return (kept, fresh)
        }
    }

    @Test func theLabelListFollowsTheLabelsTableThroughEveryKindOfEdit() async throws {
        try await withRepository { fixture in
            func expectInStep(_ step: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                Self.expectKept(try await Self.labelLists(fixture.database), after: step, sourceLocation: sourceLocation)
            }
            func labels(_ id: Int64) async throws -> [String]? { try await fixture.bugs.get(id: id)?.labels }

            // The service's writes.
            let crash = try await fixture.file(try newBug("Crash", labels: ["UI", "crash", "v1.2"]))
            let typo = try await fixture.file(try newBug("Typo", labels: nil))
            #expect(try await labels(crash.id) == ["crash", "ui", "v1.2"])
            #expect(try await labels(typo.id) == [])
            try await expectInStep("filing")
            let relabeled = try await fixture.change(crash, try BugChanges(labels: ["storage", "crash"]))
            #expect(try await labels(crash.id) == ["crash", "storage"])
            #expect(relabeled.labels == ["crash", "storage"])
            _ = try await fixture.change(typo, try BugChanges(labels: ["docs"]))
            try await expectInStep("relabeling")
            #expect(try await fixture.bugs.list(filter: BugFilter(labels: ["docs"]), after: 0, limit: 10).items.map(\.labels) == [["docs"]])

            // Edits in the sqlite3 shell.
            func shell(_ sql: String) async throws {
                try await fixture.database.write { try $0.execute(sql) }
            }
            try await shell("INSERT INTO bug_labels (bug_id, label) VALUES (\(typo.id), 'a-first')")
            try await expectInStep("a label inserted")
            #expect(try await labels(typo.id) == ["a-first", "docs"])
            try await shell("DELETE FROM bug_labels WHERE bug_id = \(crash.id) AND label = 'crash'")
            try await expectInStep("a label deleted")
            try await shell("UPDATE bug_labels SET label = 'zz' WHERE label = 'a-first'")
            try await expectInStep("a label renamed")
            #expect(try await labels(typo.id) == ["docs", "zz"])
            try await shell("UPDATE bug_labels SET bug_id = \(crash.id) WHERE label = 'docs'")
            try await expectInStep("a label moved to another bug")
            #expect(try await labels(crash.id) == ["docs", "storage"])
            #expect(try await labels(typo.id) == ["zz"])
            try await shell("DELETE FROM bug_labels WHERE bug_id = \(typo.id)")
            try await expectInStep("a bug's last label deleted")
            #expect(try await labels(typo.id) == [])
            // The sqlite3 shell's default: foreign keys off, so labels stay
            // behind when their bug is renumbered, and a bug can be filed onto them.
            func shellWithoutForeignKeys(_ sql: String) async throws {
                try await fixture.database.writeWithoutTransaction { connection in
                    try connection.execute("PRAGMA foreign_keys = OFF")
                    defer { try? connection.execute("PRAGMA foreign_keys = ON") }
                    try connection.execute(sql)
                }
            }
            try await shellWithoutForeignKeys("UPDATE bugs SET id = 1000 WHERE id = \(crash.id)")
            try await expectInStep("a bug renumbered away from its labels")
            #expect(try await labels(1000) == [])
            try await shellWithoutForeignKeys(
                """
                INSERT INTO bugs (id, title, status, priority, created_at, updated_at, version)
                VALUES (\(crash.id), 'Crash again', 'open', 'normal', '2026-11-28T00:00:00Z', '2026-11-28T00:00:00Z', 1)
                """)
            try await expectInStep("a bug filed onto labels left behind")
            #expect(try await labels(crash.id) == ["docs", "storage"])
            try await shell("UPDATE bugs SET title = 'Crash on save', status = 'closed' WHERE id = \(crash.id)")
            try await shell("DELETE FROM bugs WHERE id = \(typo.id)")
            try await expectInStep("a bug retitled, another deleted")
        }
    }

    @Test func theLabelListIsNotEditedByHand() async throws {
        try await withRepository { fixture in
            let crash = try await fixture.file(try newBug("Crash", labels: ["crash"]))
            let edits = [
                #"UPDATE bugs SET label_list = '["ui"]' WHERE id = \#(crash.id)"#,
                "UPDATE bugs SET label_list = '[]' WHERE id = \(crash.id)",
                """
                INSERT INTO bugs (title, status, priority, created_at, updated_at, version, label_list)
                VALUES ('x', 'open', 'normal', '2026-11-28T00:00:00Z', '2026-11-28T00:00:00Z', 1, '["ui"]')
                """,
            ]
            for sql in edits {
                let refused = await #expect(throws: SQLiteError.self) {
                    try await fixture.database.write { try $0.execute(sql) }
                }
                #expect(refused?.code.primary == .constraint && refused?.message.contains("copy of bug_labels") == true, "\(sql)")
            }
            #expect(try await fixture.bugs.get(id: crash.id)?.labels == ["crash"])
            #expect(try await fixture.count("bugs") == 1)
            // Setting it to what the table holds is no change, and allowed.
            try await fixture.database.write { try $0.execute(#"UPDATE bugs SET label_list = '["crash"]'"#) }
        }
    }

    @Test func aLabelListReadsAsTheLabelsOrIsRefused() throws {
        #expect(try SQLiteBugRepository.labels(inList: "[]") == [])
        #expect(try SQLiteBugRepository.labels(inList: #"["crash"]"#) == ["crash"])
        #expect(try SQLiteBugRepository.labels(inList: #"["crash","v1.2","a_b-c"]"#) == ["crash", "v1.2", "a_b-c"])
        for malformed in [
            "", "[", "]", "crash", #"["crash",]"#, #"[crash]"#, #"[""]"#, #"["a" ,"b"]"#, #"["a"]]"#, #"["a""b"]"#, #"["a","#,
        ] {
            #expect(throws: SQLiteError.self, "\(malformed)") { try SQLiteBugRepository.labels(inList: malformed) }
        }
    }
}

extension BugsMigrationForwardTests {
    /// Migration 0014 copies the labels bugs already have onto their rows.
    @Test func existingLabelsAreCopiedOntoTheirBugs() async throws {
        try await Self.withThreeBugsFiled(atMigration: 13) { database, repository, all in
            try await database.write { connection in
                try connection.execute("INSERT INTO bug_labels (bug_id, label) VALUES (1, 'ui'), (1, 'crash'), (3, 'perf')")
            }
            _ = try await database.migrate(with: try Migrator(service: "bugs", migrations: all))
            let (kept, fresh) = try await SQLiteBugRepositoryTests.labelLists(database)
            #expect(kept == [#"1 ["crash","ui"]"#, "2 []", #"3 ["perf"]"#])
            #expect(kept == fresh)
            let found = try await repository.search(try SearchQuery("tuesday"), filter: BugFilter(labels: ["crash"]), offset: 0, limit: 10)
            #expect(found.bugs.map(\.labels) == [["crash", "ui"]])
        }
    }
}
