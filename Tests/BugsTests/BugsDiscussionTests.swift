import Bugs
import EmbeddedMigrations
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

/// Comments, watchers, labels, search, history and safe retries, through the
/// bugs router, as Ann (1) and Bob (2), members, and Carl (3), an admin.
@Suite struct BugsDiscussionTests {
    struct People: Sendable {
        let ann: any TestClientProtocol
        let bob: any TestClientProtocol
        let carl: any TestClientProtocol
        let service: any TestClientProtocol
    }

    struct Mail: Equatable {
        let recipient: String
        let topic: String
    }

    func withBugs(_ test: @escaping @Sendable (People, Database) async throws -> Void) async throws {
        let tokens = await TestTokens()
        try await withMigratedDatabase("bugs") { database in
            let app = buildBugsService(
                database: database, users: FakeUsersClient(),
                options: BugsServiceOptions(http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: tokens)
            )
            try await app.test(.router) { client in
                try await test(
                    People(
                        ann: client.bearer(try await tokens.token(for: 1, email: "ann@example.com")),
                        bob: client.bearer(try await tokens.token(for: 2, email: "bob@example.com")),
                        carl: client.bearer(try await tokens.token(for: 3, email: "carl@example.com", role: .admin)),
                        service: client.bearer(testInternalToken)
                    ), database)
            }
        }
    }

    func mails(_ database: Database, after id: Int64 = 0) async throws -> [Mail] {
        try await database.read { connection in
            try connection.query("SELECT recipient, topic FROM outbox WHERE id > ? ORDER BY id", [.integer(id)]) {
                Mail(recipient: $0.text(0), topic: $0.text(1))
            }
        }
    }

    func lastOutboxID(_ database: Database) async throws -> Int64 {
        try await database.read { try $0.queryFirst("SELECT coalesce(max(id), 0) FROM outbox") { $0.int64(0) } ?? 0 }
    }

    func count(_ table: String, _ database: Database) async throws -> Int {
        try await database.read { try $0.queryFirst("SELECT count(*) FROM \(table)") { $0.int(0) } ?? -1 }
    }

    /// Ann files "Crash when saving a draft", assigned to Bob.
    @discardableResult
    func fileAnnsBug(_ people: People, _ body: String = #"{"title": "Crash when saving a draft", "assignee_id": 2}"#) async throws
        -> [String: Any]
    {
        let response = try await people.ann.post("/bugs", json: body)
        guard response.status == .created else { throw TestFailure("could not file: \(response.status) \(response.text)") }
        return try response.object()
    }

    // MARK: Comments

    @Test func aCommentIsStoredTrimmedCountedAndListedOldestFirst() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people)
            let posted = try await people.bob.post("/bugs/1/comments", json: #"{"body": "  It crashes for me too.\n\nOn Linux.  "}"#)
            #expect(posted.status == .created)
            #expect(posted.headers[.location] == "/bugs/1/comments/1")
            let comment = try posted.object()
            #expect(Array(comment.keys).sorted() == ["author_id", "body", "bug_id", "created_at", "id"])
            #expect(
                comment.string("body") == "It crashes for me too.\n\nOn Linux." && comment.int("author_id") == 2
                    && comment.int("bug_id") == 1)
            #expect(try await people.ann.get("/bugs/1/comments/1").object().string("body") == comment.string("body"))
            _ = try await people.service.post("/bugs/1/comments", json: #"{"body": "Seen in the crash reports."}"#)
            let listed = try await people.ann.get("/bugs/1/comments").items()
            #expect(listed.map { $0.int("id") } == [1, 2])
            #expect(listed[1]["author_id"] is NSNull)
            let bug = try await people.ann.get("/bugs/1")
            #expect(try bug.object().int("comment_count") == 2)
            #expect(bug.headers[.eTag] == "\"1\"")  // a comment is not a change of the bug
        }
    }

    @Test func badCommentsAreRefusedAndStoreNothing() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people)
            for (body, code) in [
                (#"{"body": "   "}"#, "invalid_field"), (#"{"body": ""}"#, "invalid_field"), (#"{"text": "hi"}"#, "invalid_field"),
                (#"{"body": 5}"#, "invalid_field"), (#"{"body": "x",}"#, "invalid_json"),
                (#"{"body": "\#(String(repeating: "x", count: 20_001))"}"#, "invalid_field"),
            ] {
                let response = try await people.bob.post("/bugs/1/comments", json: body)
                #expect(response.status == .badRequest, "\(body.prefix(40))")
                #expect(try response.problemCode() == code)
            }
            #expect(
                try await people.bob.post("/bugs/1/comments", json: #"{"body": "\#(String(repeating: "x", count: 20_000))"}"#).status
                    == .created)
            let unknown = try await people.bob.post("/bugs/9/comments", json: #"{"body": "hello"}"#)
            #expect(try unknown.status == .notFound && unknown.problemCode() == "bug_not_found")
            #expect(try await people.bob.get("/bugs/1/comments/7").problemCode() == "comment_not_found")
            #expect(try await people.bob.get("/bugs/9/comments").status == .notFound)
            #expect(try await count("comments", database) == 1)
        }
    }

    @Test func aThousandCommentsPageThroughTheAPI() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people)
            try await database.write { connection in
                for index in 1...1000 {
                    try connection.execute(
                        "INSERT INTO comments (bug_id, author_id, body, created_at) VALUES (1, 2, ?, ?)",
                        [.text("comment \(index)"), Timestamp.now().sqliteValue])
                }
            }
            var bodies: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await people.ann.get("/bugs/1/comments?limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")).object()
                bodies += (page["items"] as? [[String: Any]] ?? []).compactMap { $0.string("body") }
                cursor = page.string("next_cursor")
                pages += 1
            } while cursor != nil
            #expect(pages == 10 && bodies == (1...1000).map { "comment \($0)" })
        }
    }

    // MARK: Who is mailed

    @Test func aCommentMailsTheWatchersButNotItsAuthorWithItsText() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people)
            #expect(try await mails(database) == [Mail(recipient: "bob@example.com", topic: "bug.created")])
            let before = try await lastOutboxID(database)
            _ = try await people.bob.post("/bugs/1/comments", json: #"{"body": "Looking into it."}"#)
            #expect(try await mails(database, after: before) == [Mail(recipient: "ann@example.com", topic: "bug.commented")])
            let (subject, body, thread) = try #require(
                try await database.read { connection in
                    try connection.queryFirst("SELECT subject, body, thread FROM outbox WHERE id > ?", [.integer(before)]) {
                        ($0.text(0), $0.text(1), $0.text(2))
                    }
                })
            #expect(subject == "[#1] Crash when saving a draft" && thread == "bug-1")
            #expect(body.contains("Looking into it.") && !body.contains("bob@example.com"))
            // Carl joins in: Ann and Bob hear of it, once each; Carl watches now.
            let second = try await lastOutboxID(database)
            _ = try await people.carl.post("/bugs/1/comments", json: #"{"body": "Same here."}"#)
            #expect(try await mails(database, after: second).map(\.recipient) == ["ann@example.com", "bob@example.com"])
            #expect(try await people.ann.get("/bugs/1/watchers").object()["items"] as? [Int] == [1, 2, 3])
        }
    }

    @Test func someoneActingAloneOnTheirOwnBugGetsNothing() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people, #"{"title": "Note to self"}"#)
            _ = try await people.ann.post("/bugs/1/comments", json: #"{"body": "Remember this."}"#)
            _ = try await people.ann.patch("/bugs/1", json: #"{"status": "resolved", "labels": ["todo"]}"#)
            _ = try await people.ann.patch("/bugs/1", json: #"{"assignee_id": 1}"#)
            #expect(try await mails(database).isEmpty)
        }
    }

    @Test func aStatusChangeMailsTheWatchersExceptWhoMadeIt() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people)
            let before = try await lastOutboxID(database)
            _ = try await people.bob.patch("/bugs/1", json: #"{"status": "in_progress"}"#)
            #expect(try await mails(database, after: before) == [Mail(recipient: "ann@example.com", topic: "bug.status_changed")])
            // Bob stops watching; a change by Carl reaches Ann alone.
            #expect(try await people.bob.send(.delete, "/bugs/1/watchers/2").status == .noContent)
            let later = try await lastOutboxID(database)
            _ = try await people.carl.patch("/bugs/1", json: #"{"status": "resolved"}"#)
            #expect(try await mails(database, after: later).map(\.recipient) == ["ann@example.com"])
            // A reassignment mails the new assignee, who starts watching.
            let last = try await lastOutboxID(database)
            _ = try await people.ann.patch("/bugs/1", json: #"{"assignee_id": 3, "title": "Crash on save"}"#)
            #expect(try await mails(database, after: last) == [Mail(recipient: "carl@example.com", topic: "bug.assigned")])
            #expect(try await people.ann.get("/bugs/1/watchers").object()["items"] as? [Int] == [1, 3])
        }
    }

    // MARK: Watchers

    @Test func peopleWatchAndStopThemselvesAndAdminsForOthers() async throws {
        try await withBugs { people, _ in
            try await fileAnnsBug(people, #"{"title": "Crash"}"#)
            func watchers() async throws -> [Int]? { try await people.bob.get("/bugs/1/watchers").object()["items"] as? [Int] }
            #expect(try await watchers() == [1])
            #expect(try await people.bob.send(.put, "/bugs/1/watchers/2").status == .noContent)
            #expect(try await people.bob.send(.put, "/bugs/1/watchers/2").status == .noContent)
            #expect(try await watchers() == [1, 2])
            let notYours = try await people.bob.send(.put, "/bugs/1/watchers/1")
            #expect(try notYours.status == .forbidden && notYours.problemCode() == "forbidden")
            #expect(try await people.ann.send(.delete, "/bugs/1/watchers/2").status == .forbidden)
            #expect(try await people.carl.send(.delete, "/bugs/1/watchers/2").status == .noContent)
            #expect(try await people.carl.send(.delete, "/bugs/1/watchers/2").status == .noContent)
            #expect(try await people.carl.send(.put, "/bugs/1/watchers/3").status == .noContent)
            let stranger = try await people.carl.send(.put, "/bugs/1/watchers/42")
            #expect(try stranger.status == .unprocessableContent && stranger.problemCode() == "unknown_user")
            #expect(try await watchers() == [1, 3])
            #expect(try await people.bob.send(.put, "/bugs/9/watchers/2").status == .notFound)
            #expect(try await people.bob.send(.put, "/bugs/1/watchers/02").status == .notFound)
            #expect(try await people.bob.get("/bugs/9/watchers").status == .notFound)
        }
    }

    // MARK: History

    @Test func everyWriteIsOneEventWithEachChangedField() async throws {
        try await withBugs { people, _ in
            try await fileAnnsBug(people, #"{"title": "Crash", "labels": ["ui"], "assignee_id": 2}"#)
            _ = try await people.bob.patch("/bugs/1", json: #"{"status": "in_progress", "labels": ["ui", "Crash"], "priority": "normal"}"#)
            _ = try await people.bob.post("/bugs/1/comments", json: #"{"body": "On it."}"#)
            _ = try await people.ann.patch("/bugs/1", json: #"{"description": "Steps", "assignee_id": null}"#)
            let events = try await people.ann.get("/bugs/1/events").items()
            #expect(events.map { $0.string("kind") } == ["created", "changed", "commented", "changed"])
            #expect(events.map { $0.int("actor_id") } == [1, 2, 2, 1])
            #expect(events[0]["changes"] is NSNull && events[0]["comment_id"] is NSNull)
            #expect(events[2].int("comment_id") == 1 && events[2]["changes"] is NSNull)
            let raw = try await people.ann.get("/bugs/1/events").text
            #expect(raw.contains(#""changes":{"status":["open","in_progress"],"labels":[["ui"],["crash","ui"]]}"#))
            #expect(raw.contains(#""changes":{"description":[null,"Steps"],"assignee_id":[2,null]}"#))
            #expect(Array(events[0].keys).sorted() == ["actor_id", "bug_id", "changes", "comment_id", "created_at", "id", "kind"])
            // Paged like every list.
            let page = try await people.ann.get("/bugs/1/events?limit=3").object()
            #expect((page["items"] as? [Any])?.count == 3 && page.string("next_cursor") != nil)
        }
    }

    @Test func aPatchThatChangesNothingIs200WithTheVersionAndNoEventOrMail() async throws {
        try await withBugs { people, database in
            try await fileAnnsBug(people, #"{"title": "Crash", "labels": ["ui"], "assignee_id": 2}"#)
            let mailsBefore = try await mails(database).count
            let same = try await people.ann.patch(
                "/bugs/1", json: #"{"title": " Crash ", "status": "open", "labels": ["UI", "ui"], "assignee_id": 2}"#,
                headers: [.ifMatch: "\"1\""])
            #expect(same.status == .ok && same.headers[.eTag] == "\"1\"")
            #expect(try same.object().int("version") == 1)
            #expect(try await people.ann.get("/bugs/1/events").items().count == 1)
            #expect(try await mails(database).count == mailsBefore)
        }
    }

    // MARK: Labels

    @Test func labelsAreNormalizedReplacedAndFiltered() async throws {
        try await withBugs { people, _ in
            let first = try await fileAnnsBug(people, #"{"title": "One", "labels": ["UI", "crash", "ui"]}"#)
            #expect(first["labels"] as? [String] == ["crash", "ui"])
            try await fileAnnsBug(people, #"{"title": "Two", "labels": ["ui"]}"#)
            try await fileAnnsBug(people, #"{"title": "Three"}"#)
            func ids(_ query: String) async throws -> [Int64?] { try await people.bob.get("/bugs?\(query)").items().map { $0.int("id") } }
            #expect(try await ids("label=ui") == [1, 2])
            #expect(try await ids("label=ui&label=CRASH") == [1])
            #expect(try await ids("label=ui&label=none").isEmpty)
            let replaced = try await people.ann.patch("/bugs/2", json: #"{"labels": []}"#)
            #expect(try replaced.object()["labels"] as? [String] == [])
            #expect(try await ids("label=ui") == [1])
            for query in ["label=", "label=not%20ok", "label=\(String(repeating: "x", count: 51))"] {
                let response = try await people.bob.get("/bugs?\(query)")
                #expect(try response.status == .badRequest && response.problemCode() == "invalid_parameter", "\(query)")
            }
            for body in [#"{"title": "x", "labels": ["a b"]}"#, #"{"title": "x", "labels": "ui"}"#, #"{"title": "x", "labels": [1]}"#] {
                let response = try await people.ann.post("/bugs", json: body)
                #expect(try response.status == .badRequest && response.problemCode() == "invalid_field", "\(body)")
            }
            #expect(try await people.ann.patch("/bugs/1", json: #"{"labels": null}"#).status == .badRequest)
        }
    }

    // MARK: Search

    @Test func searchFindsCommentWordsBestMatchFirstAndPages() async throws {
        try await withBugs { people, _ in
            try await fileAnnsBug(people, #"{"title": "Slow start"}"#)
            _ = try await people.bob.post("/bugs/1/comments", json: #"{"body": "The renderer stalls on big files."}"#)
            try await fileAnnsBug(people, #"{"title": "Window flickers", "description": "the renderer redraws twice"}"#)
            try await fileAnnsBug(people, #"{"title": "Renderer crash"}"#)
            try await fileAnnsBug(people, #"{"title": "Unrelated"}"#)
            func search(_ query: String) async throws -> (ids: [Int64?], cursor: String?) {
                let page = try await people.bob.get("/bugs?\(query)").object()
                return ((page["items"] as? [[String: Any]] ?? []).map { $0.int("id") }, page.string("next_cursor"))
            }
            #expect(try await search("q=renderer").ids == [3, 2, 1])
            #expect(try await search("q=stalls").ids == [1])
            let first = try await search("q=renderer&limit=2")
            #expect(first.ids == [3, 2] && first.cursor != nil)
            let second = try await search("q=renderer&limit=2&cursor=\(first.cursor!)")
            #expect(second.ids == [1] && second.cursor == nil)
            // A cursor belongs to its query and filters.
            let other = try await people.bob.get("/bugs?q=crash&limit=2&cursor=\(first.cursor!)")
            #expect(try other.status == .badRequest && other.problemCode() == "invalid_parameter")
            for filter in ["status=open", "priority=normal", "reporter_id=1", "assignee_id=2", "label=ui"] {
                let filtered = try await people.bob.get("/bugs?q=renderer&limit=2&\(filter)&cursor=\(first.cursor!)")
                #expect(try filtered.status == .badRequest && filtered.problemCode() == "invalid_parameter", "\(filter)")
            }
            let idCursor = try await people.bob.get("/bugs?limit=1").object().string("next_cursor")!
            #expect(try await people.bob.get("/bugs?q=renderer&cursor=\(idCursor)").status == .badRequest)
            #expect(try await people.bob.get("/bugs?cursor=\(first.cursor!)").status == .badRequest)
            // With filters.
            _ = try await people.ann.patch("/bugs/3", json: #"{"status": "closed"}"#)
            #expect(try await search("q=renderer&status=open").ids == [2, 1])
            #expect(try await search("q=%22redraws%20twice%22").ids == [2])
            #expect(try await search("q=rend*&priority=normal").ids.count == 3)
        }
    }

    @Test(arguments: ["q=x&q=y", "q=a%00b", "q=%26%C2%87%C2%AC%3D%F4%81%93%8C%00%C2%BA5j", "q=\(String(repeating: "a", count: 501))"])
    func aMalformedSearchIs400NeverA500(query: String) async throws {
        try await withBugs { people, _ in
            try await fileAnnsBug(people)
            let response = try await people.bob.get("/bugs?\(query)")
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_parameter")
            #expect(try response.problemDetail().hasPrefix("q "))
        }
    }

    /// Typed into a search box, these are searches, not errors.
    @Test(arguments: ["q=%22unclosed", "q=a*b", "q=*", "q=", "q=%20%20", "q=---"])
    func aSearchWithStrayQuotesStarsOrNoWordsIsAnswered(query: String) async throws {
        try await withBugs { people, _ in
            try await fileAnnsBug(people)
            let response = try await people.bob.get("/bugs?\(query)")
            #expect(response.status == .ok)
        }
    }

    // MARK: Idempotency-Key

    @Test func aRetryWithTheSameKeyGetsTheSameAnswerAndChangesNothing() async throws {
        try await withBugs { people, database in
            let body = #"{"title": "Crash when saving a draft", "assignee_id": 2}"#
            let first = try await people.ann.post("/bugs", json: body, headers: [.idempotencyKey: "draft-crash-1"])
            #expect(first.status == .created && first.headers[.idempotentReplayed] == nil)
            let again = try await people.ann.post("/bugs", json: body, headers: [.idempotencyKey: "draft-crash-1"])
            #expect(again.status == .created)
            #expect(again.text == first.text)
            #expect(again.headers[.location] == "/bugs/1" && again.headers[.eTag] == "\"1\"")
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(try await count("bugs", database) == 1)
            #expect(try await mails(database).count == 1)
            // Another body under the same key: refused, nothing stored.
            let reused = try await people.ann.post("/bugs", json: #"{"title": "Another"}"#, headers: [.idempotencyKey: "draft-crash-1"])
            #expect(try reused.status == .unprocessableContent && reused.problemCode() == "idempotency_key_reused")
            // The same key from someone else is theirs.
            let bobs = try await people.bob.post("/bugs", json: body, headers: [.idempotencyKey: "draft-crash-1"])
            #expect(try bobs.status == .created && bobs.object().int("id") == 2)
            // Comments too; the path is part of the request.
            let comment = try await people.bob.post("/bugs/1/comments", json: #"{"body": "Me too"}"#, headers: [.idempotencyKey: "c1"])
            let commentAgain = try await people.bob.post("/bugs/1/comments", json: #"{"body": "Me too"}"#, headers: [.idempotencyKey: "c1"])
            #expect(commentAgain.text == comment.text && commentAgain.headers[.location] == "/bugs/1/comments/1")
            let elsewhere = try await people.bob.post("/bugs/2/comments", json: #"{"body": "Me too"}"#, headers: [.idempotencyKey: "c1"])
            #expect(elsewhere.status == .unprocessableContent)
            #expect(try await count("comments", database) == 1)
            #expect(try await count("bug_events", database) == 3)
        }
    }

    @Test func aKeyOlderThanADayIsForgotten() async throws {
        try await withBugs { people, database in
            let body = #"{"title": "Crash"}"#
            _ = try await people.ann.post("/bugs", json: body, headers: [.idempotencyKey: "k"])
            try await database.write { try $0.execute("UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z'") }
            let later = try await people.ann.post("/bugs", json: body, headers: [.idempotencyKey: "k"])
            #expect(try later.status == .created && later.headers[.idempotentReplayed] == nil && later.object().int("id") == 2)
            #expect(try await people.ann.post("/bugs", json: body, headers: [.idempotencyKey: "k"]).headers[.location] == "/bugs/2")
        }
    }

    @Test(arguments: [String(repeating: "k", count: 256), "naïve", "tab\there"])
    func aBadKeyIs400(key: String) async throws {
        try await withBugs { people, database in
            var headers = HTTPFields()
            headers.append(HTTPField(name: .idempotencyKey, value: key))
            let response = try await people.ann.post("/bugs", json: #"{"title": "Crash"}"#, headers: headers)
            #expect(try response.status == .badRequest && response.problemCode() == "invalid_parameter")
            #expect(try await count("bugs", database) == 0)
        }
    }

    @Test func requestsRacingWithOneKeyStoreOneBug() async throws {
        try await withBugs { people, database in
            let body = #"{"title": "Crash when saving a draft", "assignee_id": 2}"#
            let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await people.ann.post("/bugs", json: body, headers: [.idempotencyKey: "race"])
                        return (response.status, response.text)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers.map(\.0)) == [.created])
            #expect(Set(answers.map(\.1)).count == 1)
            #expect(try await count("bugs", database) == 1)
            #expect(try await mails(database).count == 1)
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
