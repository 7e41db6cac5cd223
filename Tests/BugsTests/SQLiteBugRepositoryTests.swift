import EmbeddedMigrations
import Foundation
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import Bugs

// Swift Testing has a `Bug` trait and a `Comment` too.
typealias Bug = Bugs.Bug
typealias Comment = Bugs.Comment

@Suite struct SQLiteBugRepositoryTests {
    struct Fixture {
        let bugs: SQLiteBugRepository
        let outbox: SQLiteOutboxRepository
        let database: Database

        /// Files `bug` as user 1, without mail.
        @discardableResult
        func file(_ bug: NewBug, actor: Int64? = 1) async throws -> Bug {
            try await bugs.create(bug, actor: actor, idempotency: nil) { _ in [] }
        }

        func change(_ bug: Bug, _ changes: BugChanges, actor: Int64? = 1) async throws -> Bug {
            try await bugs.update(id: bug.id, changes: changes, expectedVersion: bug.version, actor: actor) { _, _, _ in [] }
        }

        @discardableResult
        func comment(_ text: String, on bugID: Int64, by author: Int64? = 1) async throws -> Comment {
            try await bugs.addComment(try CommentBody(text), to: bugID, author: author, idempotency: nil) { _, _, _ in [] }
        }

        func count(_ table: String) async throws -> Int {
            try await database.read { try $0.queryFirst("SELECT count(*) FROM \(table)") { $0.int(0) } ?? -1 }
        }
    }

    func withRepository(_ body: (Fixture) async throws -> Void) async throws {
        try await withMigratedDatabase("bugs") { database in
            let outbox = SQLiteOutboxRepository(database: database)
            let clock = TestClock()
            try await body(
                Fixture(bugs: SQLiteBugRepository(database: database, outbox: outbox, clock: clock.now), outbox: outbox, database: database)
            )
        }
    }

    func newBug(
        _ title: String = "Crash on save", description: String? = "Steps:\n1. save", priority: BugPriority? = nil,
        labels: [String]? = nil, reporter: Int64? = 1, assignee: Int64? = 2
    ) throws -> NewBug {
        try NewBug(title: title, description: description, priority: priority, labels: labels, reporterID: reporter, assigneeID: assignee)
    }

    // MARK: Bugs

    @Test func createStartsOpenAtVersionOneWithItsMailsEventAndWatchers() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.bugs.create(try newBug(priority: .high, labels: ["UI", "crash", "ui"]), actor: 1, idempotency: nil)
            {
                bug in
                [
                    MailDraft(
                        topic: "bug.created", recipient: "a@example.com", subject: "#\(bug.id)", body: bug.title, thread: "bug-\(bug.id)")
                ]
            }
            #expect(bug.status == .open && bug.version == 1 && bug.priority == .high && bug.commentCount == 0)
            #expect(bug.labels == ["crash", "ui"])
            #expect(bug.createdAt == bug.updatedAt)
            #expect(try await fixture.bugs.get(id: bug.id) == bug)
            let mails = try await fixture.outbox.messages(after: 0, limit: 10)
            #expect(mails.map(\.subject) == ["#1"] && mails.map(\.thread) == ["bug-1"])
            #expect(try await fixture.bugs.watchers(of: bug.id) == [1, 2])
            let events = try await fixture.bugs.events(of: bug.id, after: 0, limit: 10).items
            #expect(events.map(\.kind) == [.created] && events[0].actorID == 1 && events[0].changes == nil)
            // No bug: no watchers list at all, rather than an empty one.
            #expect(try await fixture.bugs.watchers(of: bug.id + 1) == nil)
        }
    }

    @Test func updateBumpsTheVersionRecordsEachChangedFieldAndQueuesMails() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug(labels: ["crash"]))
            let updated = try await fixture.bugs.update(
                id: bug.id, changes: try BugChanges(status: .inProgress, labels: ["crash", "ui"], assigneeID: .some(3)),
                expectedVersion: 1, actor: 2
            ) { before, after, watchers in
                [
                    MailDraft(
                        topic: "bug.status", recipient: "r@example.com",
                        subject: "\(before.status.rawValue)→\(after.status.rawValue) \(watchers)", body: "")
                ]
            }
            #expect(updated.version == 2 && updated.status == .inProgress && updated.assigneeID == 3 && updated.labels == ["crash", "ui"])
            #expect(updated.updatedAt > bug.updatedAt && updated.createdAt == bug.createdAt)
            #expect(try await fixture.bugs.get(id: bug.id) == updated)
            // The new assignee watches, and the mails were made knowing it.
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).map(\.subject) == ["open→in_progress [1, 2, 3]"])
            let changed = try #require(try await fixture.bugs.events(of: bug.id, after: 0, limit: 10).items.last)
            #expect(changed.kind == .changed && changed.actorID == 2)
            let json = String(decoding: try OrderedJSONEncoder().encode(changed.changes), as: UTF8.self)
            #expect(json == #"{"status":["open","in_progress"],"labels":[["crash"],["crash","ui"]],"assignee_id":[2,3]}"#)
        }
    }

    @Test func aChangeThatChangesNothingWritesNothing() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug(labels: ["ui"]))
            let same = try await fixture.bugs.update(
                id: bug.id, changes: try BugChanges(title: "  Crash on save ", status: .open, labels: ["UI"], assigneeID: .some(2)),
                expectedVersion: 1, actor: 1
            ) { _, _, _ in [MailDraft(topic: "t", recipient: "r@example.com", subject: "s", body: "b")] }
            #expect(same == bug)
            #expect(try await fixture.count("bug_events") == 1)
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).isEmpty)
        }
    }

    @Test func aStaleVersionChangesNothingAndQueuesNothing() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug())
            _ = try await fixture.change(bug, try BugChanges(title: "New title"))
            await #expect(throws: BugRepositoryError.versionMismatch(current: 2)) {
                try await fixture.bugs.update(id: bug.id, changes: try BugChanges(title: "Stale"), expectedVersion: 1, actor: 1) {
                    _, _, _ in
                    [MailDraft(topic: "t", recipient: "r@example.com", subject: "s", body: "b")]
                }
            }
            #expect(try await fixture.bugs.get(id: bug.id)?.title == "New title")
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).isEmpty)
            #expect(try await fixture.count("bug_events") == 2)
        }
    }

    @Test func forbiddenMovesAreRefused() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug())
            let closed = try await fixture.change(bug, try BugChanges(status: .closed))
            await #expect(throws: BugRepositoryError.invalidTransition(from: .closed, to: .resolved)) {
                try await fixture.change(closed, try BugChanges(status: .resolved))
            }
            await #expect(throws: BugRepositoryError.notFound(99)) {
                try await fixture.bugs.update(id: 99, changes: try BugChanges(title: "x"), expectedVersion: 1, actor: 1) { _, _, _ in [] }
            }
        }
    }

    @Test func listFiltersCombineWithAndAndPage() async throws {
        try await withRepository { fixture in
            for index in 1...9 {
                try await fixture.file(
                    try newBug(
                        "Bug \(index)", priority: index % 3 == 0 ? .urgent : .low, labels: index % 2 == 0 ? ["even", "ui"] : ["ui"],
                        reporter: Int64(index % 2 + 1), assignee: index > 6 ? nil : 5))
            }
            let urgent = try await fixture.bugs.list(filter: BugFilter(priority: .urgent), after: 0, limit: 50)
            #expect(urgent.items.map(\.id) == [3, 6, 9])
            let both = try await fixture.bugs.list(filter: BugFilter(priority: .urgent, reporterID: 2), after: 0, limit: 50)
            #expect(both.items.map(\.id) == [3, 9])
            let assigned = try await fixture.bugs.list(filter: BugFilter(status: .open, assigneeID: 5), after: 0, limit: 4)
            #expect(assigned.items.map(\.id) == [1, 2, 3, 4] && assigned.nextAfterID == 4)
            let rest = try await fixture.bugs.list(filter: BugFilter(status: .open, assigneeID: 5), after: 4, limit: 4)
            #expect(rest.items.map(\.id) == [5, 6] && rest.nextAfterID == nil)
            #expect(try await fixture.bugs.list(filter: BugFilter(status: .closed), after: 0, limit: 50).items.isEmpty)
            // Labels: every one named.
            let even = try await fixture.bugs.list(filter: BugFilter(labels: ["even", "ui"]), after: 0, limit: 50)
            #expect(even.items.map(\.id) == [2, 4, 6, 8] && even.items.allSatisfy { $0.labels == ["even", "ui"] })
            let evenUrgent = try await fixture.bugs.list(filter: BugFilter(priority: .urgent, labels: ["even"]), after: 0, limit: 50)
            #expect(evenUrgent.items.map(\.id) == [6])
            #expect(try await fixture.bugs.list(filter: BugFilter(labels: ["ui", "none"]), after: 0, limit: 50).items.isEmpty)
        }
    }

    @Test func longestAndUnicodeValuesRoundTrip() async throws {
        try await withRepository { fixture in
            let title = String(repeating: "🐛", count: 200)
            let description = String(repeating: "ü\n", count: 10_000)
            let labels = (1...20).map { "label-\($0)." + String(repeating: "x", count: 40) }
            let bug = try await fixture.file(try newBug(title, description: description, labels: labels))
            let stored = try #require(try await fixture.bugs.get(id: bug.id))
            #expect(stored.title == title && stored.description == description && stored.labels == labels.sorted())
        }
    }

    // MARK: Comments, watchers, history

    @Test func aCommentCountsIsAnEventAndMakesItsAuthorAWatcher() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug())
            let comment = try await fixture.bugs.addComment(
                try CommentBody("  It crashes for me too.\n"), to: bug.id, author: 7, idempotency: nil
            ) {
                bug, comment, watchers in
                [
                    MailDraft(
                        topic: "bug.commented", recipient: "w@example.com", subject: "\(bug.commentCount) \(watchers)", body: comment.body)
                ]
            }
            #expect(comment.body == "It crashes for me too." && comment.authorID == 7 && comment.bugID == bug.id)
            #expect(try await fixture.bugs.get(id: bug.id)?.commentCount == 1)
            #expect(try await fixture.bugs.get(id: bug.id)?.version == 1)  // a comment is not a change of the bug
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).map(\.subject) == ["1 [1, 2, 7]"])
            #expect(try await fixture.bugs.comment(id: comment.id, of: bug.id) == comment)
            #expect(try await fixture.bugs.comment(id: comment.id, of: 99) == nil)
            let events = try await fixture.bugs.events(of: bug.id, after: 0, limit: 10).items
            #expect(events.map(\.kind) == [.created, .commented] && events[1].commentID == comment.id && events[1].actorID == 7)
            await #expect(throws: BugRepositoryError.notFound(99)) { try await fixture.comment("x", on: 99) }
            #expect(try await fixture.count("comments") == 1)
        }
    }

    @Test func aThousandCommentsListInPagesOldestFirst() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug())
            try await fixture.database.write { connection in
                for index in 1...1000 {
                    try connection.execute(
                        "INSERT INTO comments (bug_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
                        [.integer(bug.id), .integer(Int64(index % 5 + 1)), .text("comment \(index)"), Timestamp.now().sqliteValue])
                }
            }
            var seen: [String] = []
            var after: Int64 = 0
            var pages = 0
            while true {
                let page = try await fixture.bugs.comments(of: bug.id, after: after, limit: 100)
                seen += page.items.map(\.body)
                pages += 1
                guard let next = page.nextAfterID else { break }
                after = next
            }
            #expect(pages == 10)
            #expect(seen == (1...1000).map { "comment \($0)" })
            #expect(try await fixture.bugs.get(id: bug.id)?.commentCount == 1000)
        }
    }

    @Test func watchingIsIdempotentBothWays() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug(reporter: 1, assignee: nil))
            try await fixture.bugs.setWatching(true, user: 4, bug: bug.id)
            try await fixture.bugs.setWatching(true, user: 4, bug: bug.id)
            #expect(try await fixture.bugs.watchers(of: bug.id) == [1, 4])
            try await fixture.bugs.setWatching(false, user: 1, bug: bug.id)
            try await fixture.bugs.setWatching(false, user: 1, bug: bug.id)
            #expect(try await fixture.bugs.watchers(of: bug.id) == [4])
            await #expect(throws: BugRepositoryError.notFound(99)) { try await fixture.bugs.setWatching(true, user: 4, bug: 99) }
        }
    }

    // MARK: Search

    @Test func searchRanksTitleOverDescriptionOverCommentsAndPages() async throws {
        try await withRepository { fixture in
            let inComment = try await fixture.file(try newBug("Slow start", description: nil))
            try await fixture.comment("The parser fails on an empty file", on: inComment.id)
            let inDescription = try await fixture.file(try newBug("Editor freeze", description: "the parser loops forever"))
            let inTitle = try await fixture.file(try newBug("Parser crash", description: nil))
            _ = try await fixture.file(try newBug("Unrelated", description: "nothing to see"))
            let found = try await fixture.bugs.search(try SearchQuery("parser"), filter: BugFilter(), offset: 0, limit: 10)
            #expect(found.bugs.map(\.id) == [inTitle.id, inDescription.id, inComment.id] && !found.more)
            // Paged in the same order.
            let first = try await fixture.bugs.search(try SearchQuery("parser"), filter: BugFilter(), offset: 0, limit: 2)
            let second = try await fixture.bugs.search(try SearchQuery("parser"), filter: BugFilter(), offset: 2, limit: 2)
            #expect(first.bugs.map(\.id) == [inTitle.id, inDescription.id] && first.more)
            #expect(second.bugs.map(\.id) == [inComment.id] && !second.more)
            // Words from different fields, a phrase, a prefix, accents folded; filters too.
            #expect(
                try await fixture.bugs.search(try SearchQuery("slow empty"), filter: BugFilter(), offset: 0, limit: 10).bugs.map(\.id) == [
                    inComment.id
                ])
            #expect(
                try await fixture.bugs.search(try SearchQuery(#""parser loops""#), filter: BugFilter(), offset: 0, limit: 10).bugs.map(\.id)
                    == [inDescription.id])
            #expect(try await fixture.bugs.search(try SearchQuery("pars*"), filter: BugFilter(), offset: 0, limit: 10).bugs.count == 3)
            #expect(try await fixture.bugs.search(try SearchQuery("PÀRSER"), filter: BugFilter(), offset: 0, limit: 10).bugs.count == 3)
            let filtered = try await fixture.bugs.search(
                try SearchQuery("parser"), filter: BugFilter(status: .closed), offset: 0, limit: 10)
            #expect(filtered.bugs.isEmpty)
        }
    }

    @Test func theSearchIndexFollowsEveryWrite() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.file(try newBug("Crash", description: nil))
            func ids(_ text: String) async throws -> [Int64] {
                try await fixture.bugs.search(try SearchQuery(text), filter: BugFilter(), offset: 0, limit: 10).bugs.map(\.id)
            }
            #expect(try await ids("crash") == [bug.id])
            let renamed = try await fixture.change(bug, try BugChanges(title: "Freeze", description: .some("on startup")))
            #expect(try await ids("crash").isEmpty)
            #expect(try await ids("freeze startup") == [bug.id])
            _ = try await fixture.change(renamed, try BugChanges(status: .resolved))
            #expect(try await ids("freeze") == [bug.id])
            try await fixture.comment("seen with zebras", on: bug.id)
            try await fixture.comment("and giraffes", on: bug.id)
            #expect(try await ids("zebras giraffes freeze") == [bug.id])
        }
    }

    /// A group commit writes one search-index segment per request (FTS5
    /// flushes at each savepoint), and the writes leave merging to the
    /// background (migration 0011, `SearchIndexMerger`): 300 bugs filed at
    /// once leave segments to merge, the merge steps run until nothing is
    /// left, and every bug is still found once.
    @Test func theSearchIndexIsMergedInStepsAndStaysWhole() async throws {
        try await withRepository { fixture in
            let automerge = try await fixture.database.read { connection in
                try connection.queryFirst("SELECT v FROM bug_search_config WHERE k = 'automerge'") { $0.int(0) }
            }
            #expect(automerge == 0, "writes must leave merging to SearchIndexMerger")
            let filed = try await withThrowingTaskGroup(of: Bug.self) { group in
                for index in 1...300 {
                    group.addTask { try await fixture.file(try newBug("Kestrel nests \(index) word\(index)", description: nil)) }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1.id) }
            }
            var steps = 0
            while try await fixture.bugs.mergeSearchIndex(pages: 4) {
                steps += 1
                try #require(steps < 10_000, "the merge never ends")
            }
            #expect(steps > 0, "writes merged the index themselves")
            #expect(try await fixture.bugs.mergeSearchIndex(pages: 4) == false)
            try await fixture.database.write { connection in
                try connection.execute("INSERT INTO bug_search (bug_search) VALUES ('integrity-check')")
            }
            let all = try await fixture.bugs.search(try SearchQuery("kestrel"), filter: BugFilter(), offset: 0, limit: 500)
            #expect(Set(all.bugs.map(\.id)) == Set(filed))
            #expect(all.bugs.count == 300)
            for index in [1, 150, 300] {
                let found = try await fixture.bugs.search(try SearchQuery("word\(index)"), filter: BugFilter(), offset: 0, limit: 10)
                #expect(found.bugs.map(\.title) == ["Kestrel nests \(index) word\(index)"])
            }
        }
    }

    @Test func searchAndEveryFilterUseAnIndex() async throws {
        try await withRepository { fixture in
            try await fixture.file(try newBug(labels: ["ui"]))
            func plan(_ sql: String) async throws -> String {
                try await fixture.database.read { connection in
                    try connection.query("EXPLAIN QUERY PLAN " + sql) { try $0.text("detail") }.joined(separator: "\n")
                }
            }
            let filters = [
                ("bugs.status = 'open'", "bugs_status"), ("bugs.priority = 'high'", "bugs_priority"),
                ("bugs.reporter_id = 1", "bugs_reporter"), ("bugs.assignee_id = 2", "bugs_assignee"),
                ("bugs.id IN (SELECT bug_id FROM bug_labels WHERE label = 'ui')", "bug_labels_label"),
            ]
            for (filter, index) in filters {
                let text = try await plan("SELECT bugs.id FROM bugs WHERE bugs.id > 0 AND \(filter) ORDER BY bugs.id LIMIT 51")
                #expect(text.contains(index) && !text.contains("SCAN bugs"), "\(filter): \(text)")
            }
            // The statement search runs, unfiltered and filtered.
            for filter in [BugFilter(), BugFilter(status: .open, labels: ["ui"])] {
                let (sql, arguments) = SQLiteBugRepository.searchStatement(
                    try SearchQuery(#"crash "on save" sav*"#), filter: filter, offset: 0, limit: 51)
                let search = try await fixture.database.read { connection in
                    try connection.query("EXPLAIN QUERY PLAN " + sql, arguments) { try $0.text("detail") }.joined(separator: "\n")
                }
                #expect(search.contains("VIRTUAL TABLE INDEX") && !search.contains("SCAN bugs"), "\(search)")
                #expect(search.contains("SEARCH bugs USING INTEGER PRIMARY KEY"), "\(search)")
            }
        }
    }

    // MARK: Idempotency

    @Test func aKeyKeptByOneWriteRollsBackAnotherWithTheSameKey() async throws {
        try await withRepository { fixture in
            let request = IdempotentRequest(caller: "user:1", key: "k1", fingerprint: String(repeating: "a", count: 64))
            let record = IdempotencyRecord<Bug>(request: request) { bug in
                StoredResponse(status: 201, location: "/bugs/\(bug.id)", eTag: nil, body: "{}")
            }
            _ = try await fixture.bugs.create(try newBug(), actor: 1, idempotency: record) { _ in [] }
            await #expect(throws: BugRepositoryError.idempotencyKeyTaken) {
                try await fixture.bugs.create(try newBug(), actor: 1, idempotency: record) { _ in
                    [MailDraft(topic: "t", recipient: "r@example.com", subject: "s", body: "b")]
                }
            }
            #expect(try await fixture.count("bugs") == 1)
            #expect(try await fixture.count("bug_events") == 1)
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).isEmpty)
            let store = SQLiteIdempotencyStore(database: fixture.database)
            let kept = try #require(try await store.find(caller: "user:1", key: "k1", since: Timestamp(millisecondsSinceEpoch: 0)))
            #expect(kept.response.location == "/bugs/1")
            // Another caller's key is another key.
            let other = IdempotencyRecord<Bug>(request: IdempotentRequest(caller: "user:2", key: "k1", fingerprint: request.fingerprint)) {
                _ in StoredResponse(status: 201, location: nil, eTag: nil, body: "{}")
            }
            _ = try await fixture.bugs.create(try newBug(), actor: 2, idempotency: other) { _ in [] }
            #expect(try await fixture.count("bugs") == 2)
            // Pruned once older than the day.
            #expect(try await store.prune(before: Timestamp.now().adding(.seconds(86_400 * 2))) == 2)
            #expect(try await fixture.count("idempotency_keys") == 0)
        }
    }
}

@Suite struct BugRulesTests {
    @Test func theTransitionTableIsTheContracts() {
        let allowed: [BugStatus: Set<BugStatus>] = [
            .open: [.inProgress, .resolved, .closed],
            .inProgress: [.open, .resolved, .closed],
            .resolved: [.closed, .open],
            .closed: [.open],
        ]
        for from in BugStatus.allCases {
            for to in BugStatus.allCases where to != from {
                #expect(from.canMove(to: to) == allowed[from]!.contains(to), "\(from) → \(to)")
            }
        }
    }

    @Test func titlesAreTrimmedOneLineAndBounded() throws {
        #expect(try NewBug(title: "  Crash  ", description: nil, priority: nil, reporterID: nil, assigneeID: nil).title == "Crash")
        #expect(throws: FieldError(field: "title", reason: "must not be empty")) {
            try NewBug(title: "   ", description: nil, priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError.self) {
            try NewBug(title: String(repeating: "x", count: 201), description: nil, priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError.self) {
            try NewBug(title: "Crash\r\nBcc: x@evil.com", description: nil, priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError.self) {
            try NewBug(title: "Crash", description: String(repeating: "d", count: 20_001), priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError(field: "reporter_id", reason: "must be a positive user id")) {
            try NewBug(title: "Crash", description: nil, priority: nil, reporterID: 0, assigneeID: nil)
        }
    }

    @Test func labelsAreLowerCasedMergedSortedAndBounded() throws {
        func labels(_ labels: [String]) throws -> [String] {
            try NewBug(title: "t", description: nil, priority: nil, labels: labels, reporterID: nil, assigneeID: nil).labels
        }
        #expect(try labels(["UI", "crash", "ui", "Crash", "a.b_c-1"]) == ["a.b_c-1", "crash", "ui"])
        #expect(try labels([]) == [])
        #expect(try labels((1...25).map { _ in "same" }) == ["same"])
        #expect(throws: FieldError(field: "labels[1]", reason: "may hold only a-z, 0-9, '-', '_' and '.'")) {
            try labels(["ok", "not ok"])
        }
        #expect(throws: FieldError.self) { try labels(["ünïcode"]) }
        #expect(throws: FieldError.self) { try labels(["ui\u{202E}"]) }
        #expect(throws: FieldError(field: "labels[0]", reason: "must be 1 to 50 characters")) { try labels([""]) }
        #expect(throws: FieldError.self) { try labels([String(repeating: "x", count: 51)]) }
        #expect(throws: FieldError(field: "labels", reason: "holds 21 different labels; at most 20")) {
            try labels((1...21).map { "l\($0)" })
        }
    }

    @Test func settingWhatIsAlreadyThereIsNoChange() throws {
        let bug = Bug(
            id: 1, title: "t", description: nil, status: .closed, priority: .normal, labels: ["ui"], reporterID: nil, assigneeID: nil,
            createdAt: .now(), updatedAt: .now(), version: 3
        )
        let same = try bug.applying(try BugChanges(status: .closed, labels: ["UI"], assigneeID: .some(nil)), at: .now())
        #expect(same.changed.isEmpty && same.bug == bug)
        let moved = try bug.applying(try BugChanges(status: .open), at: .now())
        #expect(moved.changed.fieldNames == ["status"] && moved.bug.version == 4)
    }

    @Test(arguments: [
        ("crash", #""crash""#), ("Crash  on save", #""Crash" "on" "save""#), (#""a phrase" word"#, #""a phrase" "word""#),
        ("pre*", #""pre"*"#), ("NEAR OR title:x", #""NEAR" "OR" "title:x""#), ("crash ---", #""crash""#),
    ])
    func searchQueriesQuoteEveryTerm(text: String, expression: String) throws {
        #expect(try SearchQuery(text).expression == expression)
    }

    @Test(arguments: [
        (#""unclosed phrase"#, #""unclosed phrase""#), ("a*b", #""a" "b""#), ("p* word", #""p" "word""#),
        (#""one"two"#, #""one" "two""#), ("pre**", #""pre"*"#),
    ])
    func searchQueriesAreReadAsASearchBoxReadsThem(text: String, expression: String) throws {
        #expect(try SearchQuery(text).expression == expression)
    }

    @Test(arguments: ["*", "", "   ", "---", #""""#])
    func aQueryWithoutAWordMatchesNothing(text: String) throws {
        #expect(try SearchQuery(text).matchesNothing)
    }

    @Test(arguments: [String(repeating: "a", count: 501), "crash\u{0}", "a\u{1B}b", "x\u{85}\u{90}"])
    func queriesThatAreNotTextAreRefused(text: String) {
        #expect(throws: Problem.self) { try SearchQuery(text) }
    }
}

/// A bugs database from before comments, watchers and history, migrated
/// forward: its bugs intact, their reporters and assignees watching them.
@Suite struct BugsMigrationForwardTests {
    @Test func existingBugsGainWatchersHistoryAndTheSearchIndex() async throws {
        let all = MigrationCatalog.migrations(in: "bugs")
        let before = Array(all.prefix { $0.version <= 3 })
        #expect(before.count == 3 && all.count > 3)
        try await withMigratedDatabase(before) { database in
            try await database.write { connection in
                try connection.execute(
                    """
                    INSERT INTO bugs (title, description, status, priority, reporter_id, assignee_id, created_at, updated_at, version) VALUES
                    ('Crash on save', 'when the disk is full', 'open', 'high', 1, 2, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 3),
                    ('Typo in menu', NULL, 'closed', 'low', 3, 3, '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z', 1),
                    ('Orphan', NULL, 'open', 'normal', NULL, NULL, '2026-01-04T00:00:00.000Z', '2026-01-04T00:00:00.000Z', 1)
                    """)
            }
            _ = try await database.migrate(with: try Migrator(service: "bugs", migrations: all))
            let repository = SQLiteBugRepository(database: database, outbox: SQLiteOutboxRepository(database: database))
            let first = try #require(try await repository.get(id: 1))
            #expect(first.title == "Crash on save" && first.version == 3 && first.labels == [] && first.commentCount == 0)
            #expect(try await repository.watchers(of: 1) == [1, 2])
            #expect(try await repository.watchers(of: 2) == [3])
            #expect(try await repository.watchers(of: 3) == [])
            let history = try await repository.events(of: 1, after: 0, limit: 10).items
            #expect(history.map(\.kind) == [.created] && history[0].actorID == nil)
            #expect(history[0].createdAt == first.createdAt)
            let found = try await repository.search(try SearchQuery("disk"), filter: BugFilter(), offset: 0, limit: 10)
            #expect(found.bugs.map(\.id) == [1])
            let integrity = try await database.read { try $0.queryFirst("PRAGMA integrity_check") { $0.text(0) } }
            #expect(integrity == "ok")
        }
    }

    /// Runs `body` on a database migrated up to `version` in which
    /// "Crash on save" (1, with two comments: "the disk was full", "café
    /// crème spilled"), "Typo in menu" (2) and "Slow startup" (3), each
    /// "seen on Tuesday", are filed; `body` gets every migration, to apply
    /// the rest, and a repository to use after that. The rows are written
    /// in SQL, as the service wrote them at that version: today's
    /// repository reads columns that older schemas lack.
    static func withThreeBugsFiled(
        atMigration version: Int, _ body: (Database, SQLiteBugRepository, [Migration]) async throws -> Void
    ) async throws {
        let all = MigrationCatalog.migrations(in: "bugs")
        let before = Array(all.prefix { $0.version <= version })
        #expect(before.count == version && all.count > version)
        try await withMigratedDatabase(before) { database in
            try await database.write { connection in
                for title in ["Crash on save", "Typo in menu", "Slow startup"] {
                    try connection.execute(
                        """
                        INSERT INTO bugs (title, description, status, priority, reporter_id, created_at, updated_at, version)
                        VALUES (?, 'seen on Tuesday', 'open', 'normal', 1, '2026-11-28T00:00:00.000Z', '2026-11-28T00:00:00.000Z', 1)
                        """, [.text(title)])
                }
                for text in ["the disk was full", "café crème spilled"] {
                    try connection.execute(
                        "INSERT INTO comments (bug_id, author_id, body, created_at) VALUES (1, 2, ?, '2026-11-28T00:00:01.000Z')",
                        [.text(text)])
                }
            }
            let repository = SQLiteBugRepository(database: database, outbox: SQLiteOutboxRepository(database: database))
            try await body(database, repository, all)
        }
    }

    /// The bugs the search index finds for `text`, best first, read from the
    /// index alone: the repository reads columns that older schemas lack.
    static func searchIndexFinds(_ text: String, in database: Database) async throws -> [Int64] {
        let (sql, expression) = (
            "SELECT rowid FROM bug_search WHERE bug_search MATCH ? ORDER BY rank, rowid LIMIT 10", try SearchQuery(text).expression
        )
        return try await database.read { connection in try connection.query(sql, [.text(expression)]) { $0.int64(0) } }
    }

    /// Migration 0012 builds the search index again without prefix
    /// indexes: what was found is still found, prefixes too, its settings
    /// are kept, and the triggers keep the new index in step.
    @Test func theSearchIndexIsRebuiltWithoutPrefixIndexes() async throws {
        try await Self.withThreeBugsFiled(atMigration: 11) { database, repository, all in
            _ = try await database.migrate(with: try Migrator(service: "bugs", migrations: all))
            let table = try await database.read {
                try $0.queryFirst("SELECT sql FROM sqlite_schema WHERE name = 'bug_search'") { $0.text(0) }
            }
            #expect(table?.contains("prefix") == false)
            let settings = try await database.read {
                try $0.query("SELECT k, v FROM bug_search_config WHERE k IN ('automerge', 'rank') ORDER BY k") {
                    "\($0.text(0))=\($0.text(1))"
                }
            }
            #expect(settings == ["automerge=0", "rank=bm25(8.0, 2.0, 1.0)"])
            func found(_ text: String) async throws -> [Int64] {
                try await repository.search(try SearchQuery(text), filter: BugFilter(), offset: 0, limit: 10).bugs.map(\.id)
            }
            #expect(try await found("disk") == [1])
            #expect(try await found("cafe") == [1])
            #expect(try await found("typo") == [2])
            #expect(try await found("st*") == [3])
            #expect(try await found("tuesday").sorted() == [1, 2, 3])
            // A title word ranks above the same word in comments only.
            _ = try await repository.addComment(try CommentBody("slow as well"), to: 2, author: 2, idempotency: nil) { _, _, _ in [] }
            #expect(try await found("slow") == [3, 2])
            try await database.write { connection in
                try connection.execute("INSERT INTO bug_search (bug_search) VALUES ('integrity-check')")
            }
        }
    }
}
