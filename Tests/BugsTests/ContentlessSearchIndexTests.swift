import EmbeddedMigrations
import Outbox
import SQLiteStore
import TestSupport
import Testing

@testable import Bugs

/// Migration 0013's contentless search index forgets a document only when
/// told its exact text again, so a trigger that names the text wrongly
/// leaves words behind that no search result shows at once. These tests
/// compare every token the index holds (term, bug, column, position) with
/// an index built afresh from the bugs and comments tables.
extension SQLiteBugRepositoryTests {
    /// Expects what the triggers keep to equal the same built afresh from
    /// the tables, `step` being the last edit, and not to be empty.
    static func expectKept(
        _ lists: (kept: [String], fresh: [String]), after step: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!lists.fresh.isEmpty, sourceLocation: sourceLocation)
        #expect(lists.kept == lists.fresh, "after \(step)", sourceLocation: sourceLocation)
    }

    /// The tokens of `bug_search`, and those of a fresh FTS5 table over the
    /// tables' text as the triggers define it, each as "term bug column
    /// position", sorted.
    static func searchIndexTokens(_ database: Database) async throws -> (kept: [String], fresh: [String]) {
        try await database.write { connection in
            try connection.execute(
                "CREATE VIRTUAL TABLE temp.fresh_search USING fts5(title, description, comments, tokenize = 'unicode61 remove_diacritics 2')"
            )
            try connection.execute(
                """
                INSERT INTO temp.fresh_search (rowid, title, description, comments)
                SELECT id, title, coalesce(description, ''),
                       coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM comments WHERE bug_id = bugs.id ORDER BY id)), '')
                FROM bugs
                """)
            try connection.execute("CREATE VIRTUAL TABLE temp.index_tokens USING fts5vocab(main, bug_search, instance)")
            try connection.execute("CREATE VIRTUAL TABLE temp.fresh_tokens USING fts5vocab(temp, fresh_search, instance)")
            func tokens(_ table: String) throws -> [String] {
                try connection.query("SELECT term, doc, col, offset FROM temp.\(table) ORDER BY term, doc, col, offset") {
                    "\($0.text(0)) \($0.int64(1)) \($0.text(2)) \($0.int64(3))"
                }
            }
            let result = (kept: try tokens("index_tokens"), fresh: try tokens("fresh_tokens"))
            for table in ["index_tokens", "fresh_tokens", "fresh_search"] {
                try connection.execute("DROP TABLE temp.\(table)")
            }
            return result
        }
    }

    @Test func theSearchIndexHoldsTheTablesTextThroughEveryKindOfEdit() async throws {
        try await withRepository { fixture in
            func expectInStep(_ step: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                Self.expectKept(try await Self.searchIndexTokens(fixture.database), after: step, sourceLocation: sourceLocation)
            }
            func ids(_ text: String) async throws -> [Int64] {
                try await fixture.bugs.search(try SearchQuery(text), filter: BugFilter(), offset: 0, limit: 10).bugs.map(\.id).sorted()
            }
            // The service's writes.
            let crash = try await fixture.file(try newBug("Crash on save", description: "seen on Tuesday"))
            let typo = try await fixture.file(try newBug("Typo in menu", description: nil))
            let slow = try await fixture.file(try newBug("Slow startup", description: "café"))
            try await fixture.comment("the disk was full", on: crash.id)
            try await fixture.comment("zebras\nin the logs", on: crash.id)
            try await fixture.comment("also on Linux", on: typo.id)
            let renamed = try await fixture.change(crash, try BugChanges(title: "Freeze on save", description: .some(nil)))
            _ = try await fixture.change(renamed, try BugChanges(status: .resolved))
            try await expectInStep("filing, commenting and editing")
            #expect(try await ids("freeze zebras") == [crash.id])
            #expect(try await ids("tuesday crash").isEmpty)

            // Edits in the sqlite3 shell, foreign keys on as the service has them.
            func shell(_ sql: String) async throws {
                try await fixture.database.write { try $0.execute(sql) }
            }
            try await shell(
                "INSERT INTO comments (bug_id, author_id, body, created_at) VALUES (\(slow.id), 1, 'giraffes', '2026-11-28T00:00:00Z')")
            try await expectInStep("a comment inserted")
            let first = "(SELECT min(id) FROM comments WHERE bug_id = \(crash.id))"
            try await shell("DELETE FROM bug_events WHERE comment_id = \(first)")
            try await shell("DELETE FROM comments WHERE id = \(first)")
            try await expectInStep("a comment deleted")
            #expect(try await ids("disk").isEmpty)
            try await shell("UPDATE comments SET body = 'okapis' WHERE body LIKE 'zebras%'")
            try await expectInStep("a comment edited")
            #expect(try await ids("okapis") == [crash.id])
            #expect(try await ids("zebras").isEmpty)
            try await shell("UPDATE comments SET bug_id = \(slow.id) WHERE body = 'okapis'")
            try await expectInStep("a comment moved to another bug")
            #expect(try await ids("okapis") == [slow.id])
            try await shell("UPDATE comments SET id = 1000 WHERE body = 'giraffes'")
            try await expectInStep("a comment renumbered")
            try await shell("UPDATE bugs SET title = 'Startup is slow', status = 'closed' WHERE id = \(slow.id)")
            try await expectInStep("a bug retitled")
            try await shell("DELETE FROM bugs WHERE id = \(typo.id)")
            try await expectInStep("a bug deleted with its comments")
            #expect(try await ids("linux").isEmpty)
            #expect(try await ids("giraffes okapis startup") == [slow.id])
            try await fixture.database.write { connection in
                try connection.execute("INSERT INTO bug_search (bug_search) VALUES ('integrity-check')")
            }
        }
    }
}

extension BugsMigrationForwardTests {
    /// Migration 0013 keeps what was found and drops the copy of the text.
    @Test func theSearchIndexIsRebuiltWithoutACopyOfTheText() async throws {
        try await Self.withThreeBugsFiled(atMigration: 12) { database, repository, all in
            func found(_ text: String) async throws -> [Int64] {
                try await Self.searchIndexFinds(text, in: database)
            }
            let queries = ["disk", "cafe", "typo", "st*", "tuesday", "seen tuesday crème"]
            var foundBefore: [[Int64]] = []
            for query in queries { foundBefore.append(try await found(query)) }
            #expect(foundBefore[0] == [1] && foundBefore[4].count == 3 && foundBefore[5] == [1])

            _ = try await database.migrate(with: try Migrator(service: "bugs", migrations: all))
            let tables = try await database.read {
                try $0.query("SELECT name FROM sqlite_schema WHERE name LIKE 'bug_search%' ORDER BY name") { $0.text(0) }
            }
            #expect(!tables.contains("bug_search_content"))
            #expect(tables.contains("bug_search_data"))
            var foundAfter: [[Int64]] = []
            for query in queries { foundAfter.append(try await found(query)) }
            #expect(foundAfter == foundBefore)
            let (index, fresh) = try await SQLiteBugRepositoryTests.searchIndexTokens(database)
            #expect(index == fresh)
            _ = try await repository.addComment(try CommentBody("slow as well"), to: 2, author: 2, idempotency: nil) { _, _, _ in [] }
            let slow = try await repository.search(try SearchQuery("slow"), filter: BugFilter(), offset: 0, limit: 10)
            #expect(slow.bugs.map(\.id) == [3, 2])
        }
    }
}
