import EmbeddedMigrations
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import Users
import Yams

@Suite struct UsersOperationsTests {
    @Test func theOpenAPIDocumentDescribesExactlyTheRoutes() async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let routes = RouteTable()
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration(), internalToken: nil), routes: routes)
            try await app.test(.router) { client in
                let document = try await client.get("/openapi.json")
                #expect(document.status == .ok)
                let problems = try OpenAPIConformance.problems(document: Data(document.body.readableBytesView), routes: routes.all)
                #expect(problems == [])
                #expect(routes.all.count > 10)
                #expect(
                    try await OpenAPIConformance.securityProblems(document: Data(document.body.readableBytesView), client: client) == [])
                // The same document, as YAML (a mapping, in block style): not JSON relabelled.
                let yaml = try await client.get("/openapi.yaml")
                #expect(yaml.headers[.contentType] == "application/yaml")
                #expect(yaml.text.hasPrefix("openapi: "))
                let fromYAML = try #require(try Yams.load(yaml: yaml.text) as? [String: Any])
                let fromJSON = try #require(try JSONSerialization.jsonObject(with: Data(document.body.readableBytesView)) as? [String: Any])
                #expect(NSDictionary(dictionary: fromYAML).isEqual(to: fromJSON))
            }
        }
    }
}

/// The internal outbox feed, through the users service.
@Suite struct OutboxFeedTests {
    let bearer: HTTPFields = [.authorization: "Bearer \(testInternalToken)"]

    func withFeed(token: String? = testInternalToken, _ test: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void)
        async throws
    {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration(), internalToken: token))
            try await app.test(.router) { client in try await test(client, database) }
        }
    }

    func relayedCount(_ database: Database) async throws -> Int {
        try await database.read { try $0.queryFirst("SELECT count(*) FROM outbox WHERE relayed_at IS NOT NULL") { $0.int(0) } ?? -1 }
    }

    @Test func withoutTheRightTokenNothingIsReadOrChanged() async throws {
        try await withFeed { client, database in
            _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
            for headers: HTTPFields in [
                [:], [.authorization: "Bearer wrong"], [.authorization: "Basic \(testInternalToken)"],
                [.authorization: "Bearer \(testInternalToken)x"], [.authorization: "Bearer "],
            ] {
                let read = try await client.get("/internal/outbox", headers: headers)
                #expect(read.status == .unauthorized)
                #expect(try read.problemCode() == "unauthorized")
                #expect(!read.text.contains("ann@example.com"))
                let ack = try await client.post("/internal/outbox/ack", json: #"{"up_to": 100}"#, headers: headers)
                #expect(ack.status == .unauthorized)
            }
            #expect(try await relayedCount(database) == 0)
        }
    }

    @Test func aServiceWithoutATokenKeepsTheFeedClosed() async throws {
        try await withFeed(token: nil) { client, _ in
            let read = try await client.get("/internal/outbox", headers: [.authorization: "Bearer "])
            #expect(read.status == .unauthorized)
        }
    }

    @Test func readsAfterAnIdAndAcknowledges() async throws {
        try await withFeed { client, database in
            for index in 1...3 {
                _ = try await client.post("/users", json: #"{"email": "u\#(index)@example.com"}"#)
            }
            let feed = try await client.get("/internal/outbox?after=1&limit=1", headers: bearer).object()
            let messages = try #require(feed["messages"] as? [[String: Any]])
            #expect(messages.count == 1)
            #expect(messages[0].int("id") == 2 && messages[0].string("recipient") == "u2@example.com")
            #expect(messages[0].string("topic") == "user.welcome" && messages[0].string("subject") == "Welcome to the bug tracker")
            #expect(feed.int("last_id") == 2)
            let empty = try await client.get("/internal/outbox?after=3", headers: bearer).object()
            #expect((empty["messages"] as? [Any])?.isEmpty == true && empty.int("last_id") == 3)

            let ack = try await client.post("/internal/outbox/ack", json: #"{"up_to": 2}"#, headers: bearer)
            #expect(ack.status == .noContent)
            #expect(try await relayedCount(database) == 2)
        }
    }

    @Test(arguments: ["after=-1", "limit=0", "limit=501", "wait=31", "wait=x", "since=3"])
    func badFeedParametersAre400(query: String) async throws {
        try await withFeed { client, _ in
            let response = try await client.get("/internal/outbox?\(query)", headers: bearer)
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_parameter")
        }
    }

    @Test(arguments: [#"{"up_to": -1}"#, #"{"upto": 1}"#, #"{"up_to": "1"}"#, "[]"])
    func badAcknowledgementsAre400(body: String) async throws {
        try await withFeed { client, database in
            let response = try await client.post("/internal/outbox/ack", json: body, headers: bearer)
            #expect(response.status == .badRequest)
            #expect(try await relayedCount(database) == 0)
        }
    }

    @Test func aLongPollIsAnsweredByTheCommitNotByItsWait() async throws {
        try await withFeed { client, _ in
            let bearer = self.bearer
            let poll = Task { try await client.get("/internal/outbox?after=0&wait=30", headers: bearer) }
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
            let response = try await poll.value
            let messages = try response.object()["messages"] as? [[String: Any]]
            // Answered with the row: had the wait run out first, the answer
            // would be empty (how soon after the commit is the benchmark's to say).
            #expect(messages?.first?.string("recipient") == "ann@example.com")
        }
    }

    @Test func aLongPollWithNothingNewEndsEmptyAfterItsWait() async throws {
        try await withFeed { client, _ in
            let started = ContinuousClock.now
            let feed = try await client.get("/internal/outbox?after=0&wait=1", headers: bearer).object()
            #expect((feed["messages"] as? [Any])?.isEmpty == true && feed.int("last_id") == 0)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
        }
    }
}
