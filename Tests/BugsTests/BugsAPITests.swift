import Bugs
import EmbeddedMigrations
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

/// The bugs API through its router, on a migrated temporary database, with
/// the users service faked.
@Suite struct BugsAPITests {
    struct Outbox: Equatable {
        let recipient: String
        let topic: String
    }

    func withBugsAPI(
        users: FakeUsersClient = FakeUsersClient(),
        _ test: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void
    ) async throws {
        try await withMigratedDatabase("bugs") { database in
            let app = buildBugsService(
                database: database, users: users,
                options: BugsServiceOptions(http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: NoPublishedKeys())
            )
            try await app.test(.router) { client in try await test(client.bearer(testInternalToken), database) }
        }
    }

    func mails(_ database: Database) async throws -> [Outbox] {
        try await database.read { connection in
            try connection.query("SELECT recipient, topic FROM outbox ORDER BY id") { Outbox(recipient: $0.text(0), topic: $0.text(1)) }
        }
    }

    func bugCount(_ database: Database) async throws -> Int {
        try await database.read { try $0.queryFirst("SELECT count(*) FROM bugs") { $0.int(0) } ?? -1 }
    }

    /// Files a bug and returns its JSON.
    @discardableResult
    func file(_ client: any TestClientProtocol, _ body: String = #"{"title": "Crash on save", "reporter_id": 1, "assignee_id": 2}"#)
        async throws -> [String: Any]
    {
        let response = try await client.post("/bugs", json: body)
        guard response.status == .created else { throw TestFailure("could not file: \(response.status) \(response.text)") }
        return try response.object()
    }

    // MARK: Create

    @Test func fileABugWithReporterAndAssignee() async throws {
        try await withBugsAPI { client, database in
            let response = try await client.post(
                "/bugs",
                json: #"{"title": " Crash on save ", "description": "Steps", "priority": "high", "reporter_id": 1, "assignee_id": 2}"#)
            #expect(response.status == .created)
            #expect(response.headers[.location] == "/bugs/1")
            #expect(response.headers[.eTag] == "\"1\"")
            let bug = try response.object()
            #expect(bug.string("title") == "Crash on save" && bug.string("status") == "open" && bug.string("priority") == "high")
            #expect(bug.int("version") == 1 && bug.int("reporter_id") == 1 && bug.int("assignee_id") == 2)
            #expect(bug.string("created_at") == bug.string("updated_at"))
            // The assignee hears of it; the reporter filed it and needs no mail.
            #expect(try await mails(database) == [Outbox(recipient: "bob@example.com", topic: "bug.created")])
        }
    }

    @Test func oneMailWhenReporterAndAssigneeAreOnePerson() async throws {
        try await withBugsAPI { client, database in
            try await file(client, #"{"title": "Mine", "reporter_id": 1, "assignee_id": 1}"#)
            #expect(try await mails(database) == [Outbox(recipient: "ann@example.com", topic: "bug.created")])
        }
    }

    @Test func withoutUsersNoMailAndNoLookup() async throws {
        let users = FakeUsersClient()
        try await withBugsAPI(users: users) { client, database in
            let bug = try await file(client, #"{"title": "Lonely"}"#)
            #expect(bug["reporter_id"] is NSNull && bug["assignee_id"] is NSNull && bug.string("priority") == "normal")
            #expect(try await mails(database).isEmpty)
        }
        #expect(users.calls.isEmpty)
    }

    @Test func anUnknownUserIs422AndNothingIsStored() async throws {
        try await withBugsAPI { client, database in
            let response = try await client.post("/bugs", json: #"{"title": "Crash", "reporter_id": 1, "assignee_id": 99}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problemCode() == "unknown_user")
            #expect(try response.problemDetail().contains("assignee_id 99"))
            #expect(try await bugCount(database) == 0)
            #expect(try await mails(database).isEmpty)
        }
    }

    @Test func usersDownIs503WithRetryAfterAndNothingIsStored() async throws {
        try await withBugsAPI(users: FakeUsersClient(isDown: true)) { client, database in
            let response = try await client.post("/bugs", json: #"{"title": "Crash", "reporter_id": 1}"#)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "3")
            #expect(try response.problemCode() == "users_unavailable")
            #expect(try await bugCount(database) == 0)
            #expect(try await mails(database).isEmpty)
        }
    }

    @Test func theSeedRouteTakesTheTitleAsBug() async throws {
        try await withBugsAPI { client, _ in
            let created = try await client.post("/create", json: #"{"bug": "Seed bug", "priority": "low"}"#)
            #expect(created.status == .created)
            #expect(try created.object().string("title") == "Seed bug")
            let wrongShape = try await client.post("/create", json: #"{"title": "Not the seed's shape"}"#)
            #expect(wrongShape.status == .badRequest)
        }
    }

    @Test(arguments: [
        (#"{"title": "   "}"#, "title must not be empty"),
        (#"{"title": "Crash", "priority": "critical"}"#, "priority must be one of low, normal, high, urgent"),
        (#"{"title": "Crash", "reporter_id": "1"}"#, "reporter_id must be an integer"),
        (#"{"title": "Crash", "reporter_id": true}"#, "reporter_id must be an integer"),
        (#"{"title": "Crash", "reporter_id": 0}"#, "reporter_id must be a positive user id"),
        (#"{"title": "Crash", "assignee_id": 99999999999999999999999}"#, "assignee_id must be an integer"),
        (#"{"title": "Crash", "assignee_id": 1.5}"#, "assignee_id must be an integer"),
        (#"{"title": "Crash\nBcc: x@example.com"}"#, "title must be one line without control characters"),
        (#"{"title": "\u200B"}"#, "title must not contain control, bidirectional or invisible characters (it holds U+200B)"),
        (#"{"title": "\u200D"}"#, "title must hold at least one visible character"),
        (#"{"title": "Crash \u202E"}"#, "title must not contain control, bidirectional or invisible characters (it holds U+202E)"),
        (#"{"description": "no title"}"#, "title is required"),
        (#"{"title": "Crash", "severity": 1}"#, "severity is not a field"),
    ])
    func badBugsAre400NamingTheField(body: String, detail: String) async throws {
        try await withBugsAPI { client, database in
            let response = try await client.post("/bugs", json: body)
            #expect(response.status == .badRequest)
            let problem = try response.problemDetail()
            #expect(problem.hasPrefix(detail), "\(problem)")
            #expect(try await bugCount(database) == 0)
        }
    }

    @Test func lengthLimitsAreTheContracts() async throws {
        try await withBugsAPI { client, _ in
            let title200 = String(repeating: "t", count: 200)
            let description = String(repeating: "d", count: 20_000)
            let statuses = [
                try await client.post("/bugs", json: #"{"title": "\#(title200)"}"#).status,
                try await client.post("/bugs", json: #"{"title": "\#(title200)x"}"#).status,
                try await client.post("/bugs", json: #"{"title": "t", "description": "\#(description)"}"#).status,
                try await client.post("/bugs", json: #"{"title": "t", "description": "\#(description)d"}"#).status,
            ]
            #expect(statuses == [.created, .badRequest, .created, .badRequest])
        }
    }

    // MARK: Read

    @Test func getSendsTheVersionAsETag() async throws {
        try await withBugsAPI { client, _ in
            try await file(client)
            let response = try await client.get("/bugs/1")
            #expect(response.status == .ok && response.headers[.eTag] == "\"1\"")
            let missing = try await client.get("/bugs/2")
            #expect(missing.status == .notFound)
            #expect(try missing.problemCode() == "bug_not_found")
        }
    }

    @Test func listFiltersCombineAndPage() async throws {
        try await withBugsAPI { client, _ in
            try await file(client, #"{"title": "a", "priority": "high", "reporter_id": 1}"#)
            try await file(client, #"{"title": "b", "priority": "low", "reporter_id": 1, "assignee_id": 2}"#)
            try await file(client, #"{"title": "c", "priority": "high", "reporter_id": 2, "assignee_id": 2}"#)
            _ = try await client.patch("/bugs/3", json: #"{"status": "resolved"}"#)
            func ids(_ query: String) async throws -> [Int64] {
                try await client.get("/bugs?\(query)").items().compactMap { $0.int("id") }
            }
            #expect(try await ids("priority=high") == [1, 3])
            #expect(try await ids("priority=high&reporter_id=1") == [1])
            #expect(try await ids("assignee_id=2&status=open") == [2])
            #expect(try await ids("status=resolved") == [3])
            #expect(try await ids("status=closed").isEmpty)
            let page = try await client.get("/bugs?limit=2").object()
            let cursor = try #require(page.string("next_cursor"))
            #expect(try await ids("limit=2&cursor=\(cursor)") == [3])
        }
    }

    @Test(arguments: ["status=done", "priority=HIGH", "reporter_id=abc", "assignee_id=0", "owner=1", "limit=500"])
    func badListFiltersAre400(query: String) async throws {
        try await withBugsAPI { client, _ in
            let response = try await client.get("/bugs?\(query)")
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_parameter")
        }
    }

    // MARK: Change

    @Test func aStatusChangeMailsTheWatchers() async throws {
        try await withBugsAPI { client, database in
            try await file(client)
            let response = try await client.patch("/bugs/1", json: #"{"status": "in_progress"}"#, headers: [.ifMatch: "\"1\""])
            #expect(response.status == .ok)
            #expect(response.headers[.eTag] == "\"2\"")
            let bug = try response.object()
            #expect(bug.string("status") == "in_progress" && bug.int("version") == 2)
            #expect(bug.string("updated_at")! > bug.string("created_at")! || bug.string("updated_at") == bug.string("created_at"))
            let changeMails = try await mails(database).dropFirst(1)
            #expect(
                Array(changeMails) == [
                    Outbox(recipient: "ann@example.com", topic: "bug.status_changed"),
                    Outbox(recipient: "bob@example.com", topic: "bug.status_changed"),
                ])
        }
    }

    @Test func aNewAssigneeIsMailedAloneAndUnassigningMailsNobody() async throws {
        try await withBugsAPI { client, database in
            try await file(client)
            let reassigned = try await client.patch("/bugs/1", json: #"{"assignee_id": 3}"#)
            #expect(try reassigned.object().int("assignee_id") == 3)
            #expect(try await mails(database).dropFirst(1) == [Outbox(recipient: "carl@example.com", topic: "bug.assigned")])
            let unassigned = try await client.patch("/bugs/1", json: #"{"assignee_id": null}"#)
            #expect(try unassigned.object()["assignee_id"] is NSNull)
            #expect(try await mails(database).count == 2)
        }
    }

    @Test func oneMailPerAddressForOneChange() async throws {
        try await withBugsAPI { client, database in
            try await file(client, #"{"title": "Crash", "reporter_id": 1, "assignee_id": 2}"#)
            // Assigned to the reporter and moved at once: Ann gets one mail
            // (both reasons in it), Bob, a watcher, one for the move.
            _ = try await client.patch("/bugs/1", json: #"{"assignee_id": 1, "status": "resolved"}"#)
            #expect(try await mails(database).dropFirst(1).map(\.recipient) == ["ann@example.com", "bob@example.com"])
        }
    }

    @Test func changesThatConcernNobodyMailNobodyAndAskNobody() async throws {
        let users = FakeUsersClient()
        try await withBugsAPI(users: users) { client, database in
            try await file(client)
            let callsAfterFiling = users.calls.count
            let response = try await client.patch("/bugs/1", json: #"{"title": "Better title", "priority": "urgent", "description": null}"#)
            #expect(response.status == .ok)
            #expect(try await mails(database).count == 1)
            #expect(users.calls.count == callsAfterFiling)
        }
    }

    @Test func aStaleIfMatchIs412AndChangesNothing() async throws {
        try await withBugsAPI { client, database in
            try await file(client)
            _ = try await client.patch("/bugs/1", json: #"{"title": "Second"}"#)
            let stale = try await client.patch("/bugs/1", json: #"{"status": "closed"}"#, headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(try stale.problemCode() == "version_mismatch")
            #expect(try await client.get("/bugs/1").object().string("status") == "open")
            #expect(try await mails(database).count == 1)
            let weak = try await client.patch("/bugs/1", json: #"{"status": "closed"}"#, headers: [.ifMatch: "W/\"2\""])
            #expect(weak.status == .ok)
        }
    }

    @Test(arguments: ["1", "\"one\"", "\"\"", "\"1\", \"2\""])
    func anIfMatchThatIsNotTheCurrentTagIs412(value: String) async throws {
        try await withBugsAPI { client, _ in
            try await file(client)
            let response = try await client.patch("/bugs/1", json: #"{"title": "x"}"#, headers: [.ifMatch: value])
            #expect(response.status == .preconditionFailed)
            #expect(try response.problemCode() == "version_mismatch")
            #expect(try await client.get("/bugs/1").object().string("title") != "x")
        }
    }

    @Test func ifMatchStarMatchesTheBug() async throws {
        try await withBugsAPI { client, _ in
            try await file(client)
            let response = try await client.patch("/bugs/1", json: #"{"title": "x"}"#, headers: [.ifMatch: "*"])
            #expect(response.status == .ok)
        }
    }

    @Test func forbiddenMovesAre422() async throws {
        try await withBugsAPI { client, database in
            try await file(client)
            _ = try await client.patch("/bugs/1", json: #"{"status": "closed"}"#)
            let response = try await client.patch("/bugs/1", json: #"{"status": "in_progress"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problemCode() == "invalid_transition")
            #expect(try response.problemDetail().contains("from closed"))
            let bug = try await client.get("/bugs/1").object()
            #expect(bug.string("status") == "closed" && bug.int("version") == 2)
            #expect(try await mails(database).count == 3)
        }
    }

    @Test func anUnknownNewAssigneeIs422() async throws {
        try await withBugsAPI { client, _ in
            try await file(client)
            let response = try await client.patch("/bugs/1", json: #"{"assignee_id": 42}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problemCode() == "unknown_user")
            #expect(try await client.get("/bugs/1").object().int("assignee_id") == 2)
        }
    }

    @Test(arguments: ["{}", #"{"title": null}"#, #"{"status": "done"}"#, #"{"reporter_id": 2}"#, #"{"status": null}"#, "[]"])
    func badChangesAre400(body: String) async throws {
        try await withBugsAPI { client, _ in
            try await file(client)
            let response = try await client.patch("/bugs/1", json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(try await client.get("/bugs/1").object().int("version") == 1)
        }
    }

    @Test func changingAMissingBugIs404() async throws {
        try await withBugsAPI { client, _ in
            let response = try await client.patch("/bugs/5", json: #"{"title": "x"}"#)
            #expect(response.status == .notFound)
            #expect(try response.problemCode() == "bug_not_found")
        }
    }

    // MARK: Tracing

    @Test func callsToUsersCarryTheRequestIDAndContinueTheTrace() async throws {
        let users = FakeUsersClient()
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        try await withBugsAPI(users: users) { client, _ in
            let response = try await client.post(
                "/bugs", json: #"{"title": "Traced", "reporter_id": 1}"#,
                headers: [.requestID: "req-123", .traceparent: "00-\(traceID)-00f067aa0ba902b7-01"]
            )
            #expect(response.headers[.requestID] == "req-123")
        }
        let call = try #require(users.calls.first)
        #expect(call.identity.requestID == "req-123")
        let parts = call.identity.traceparent.split(separator: "-")
        #expect(parts.count == 4 && parts[1] == traceID && parts[2] != "00f067aa0ba902b7" && parts[3] == "01")
    }
}

@Suite struct BugsOperationsTests {
    @Test func theOpenAPIDocumentDescribesExactlyTheRoutes() async throws {
        try await withMigratedDatabase("bugs") { database in
            let routes = RouteTable()
            let app = buildBugsService(
                database: database, users: FakeUsersClient(),
                options: BugsServiceOptions(http: testHTTPConfiguration(), internalToken: nil, keys: NoPublishedKeys()), routes: routes
            )
            try await app.test(.router) { client in
                let document = try await client.get("/openapi.json")
                #expect(document.status == .ok)
                let problems = try OpenAPIConformance.problems(document: Data(document.body.readableBytesView), routes: routes.all)
                #expect(problems == [])
                #expect(routes.all.count > 10)
                #expect(
                    try await OpenAPIConformance.securityProblems(document: Data(document.body.readableBytesView), client: client) == [])
            }
        }
    }
}
