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

/// Who may do what with bugs, with access tokens signed by a key of the
/// tests' own: Ann (1) and Bob (2) are members, Carl (3) an admin.
@Suite struct BugsAccessTests {
    struct People {
        let ann: any TestClientProtocol
        let bob: any TestClientProtocol
        let carl: any TestClientProtocol
        let anonymous: any TestClientProtocol
        let service: any TestClientProtocol
    }

    func withBugs(_ test: @escaping @Sendable (People, Database) async throws -> Void) async throws {
        let tokens = await TestTokens()
        try await withMigratedDatabase("bugs") { database in
            let app = buildBugsService(
                database: database, users: FakeUsersClient(),
                options: BugsServiceOptions(http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: tokens)
            )
            try await app.test(.router) { client in
                let people = People(
                    ann: client.bearer(try await tokens.token(for: 1, email: "ann@example.com")),
                    bob: client.bearer(try await tokens.token(for: 2, email: "bob@example.com")),
                    carl: client.bearer(try await tokens.token(for: 3, email: "carl@example.com", role: .admin)),
                    anonymous: client,
                    service: client.bearer(testInternalToken)
                )
                try await test(people, database)
            }
        }
    }

    @Test func everyBugsRouteNeedsCredentials() async throws {
        try await withBugs { people, database in
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/bugs", #"{"title": "Crash"}"#), (.post, "/create", #"{"bug": "Crash"}"#), (.get, "/bugs", nil),
                (.get, "/bugs/1", nil), (.patch, "/bugs/1", #"{"status": "closed"}"#),
            ] {
                let response = try await people.anonymous.send(method, path, json: body)
                #expect(response.status == .unauthorized, "\(method) \(path)")
                #expect(try response.problemCode() == "unauthenticated")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM bugs") { $0.int(0) } } == 0)
        }
    }

    @Test func theReporterIsTheCaller() async throws {
        try await withBugs { people, _ in
            let filed = try await people.ann.post("/bugs", json: #"{"title": "Crash", "assignee_id": 2}"#)
            #expect(filed.status == .created)
            #expect(try filed.object().int("reporter_id") == 1)
            let seed = try await people.ann.post("/create", json: #"{"bug": "Crash again"}"#)
            #expect(try seed.object().int("reporter_id") == 1)
            // Naming herself is fine; naming someone else is not.
            #expect(try await people.ann.post("/bugs", json: #"{"title": "Crash", "reporter_id": 1}"#).status == .created)
            let other = try await people.ann.post("/bugs", json: #"{"title": "Crash", "reporter_id": 2}"#)
            #expect(other.status == .forbidden)
            #expect(try other.problemCode() == "forbidden")
            // Admins and services may file for someone.
            #expect(try await people.carl.post("/bugs", json: #"{"title": "Crash", "reporter_id": 2}"#).object().int("reporter_id") == 2)
            #expect(try await people.service.post("/bugs", json: #"{"title": "Crash", "reporter_id": 2}"#).object().int("reporter_id") == 2)
        }
    }

    @Test func onlyTheReporterTheAssigneeAndAdminsChangeABug() async throws {
        try await withBugs { people, database in
            let filed = try await people.ann.post("/bugs", json: #"{"title": "Crash"}"#)
            let id = try #require(try filed.object().int("id"))
            // Bob is neither: refused, nothing changed.
            let refused = try await people.bob.patch("/bugs/\(id)", json: #"{"status": "closed"}"#)
            #expect(refused.status == .forbidden)
            #expect(try refused.problemCode() == "forbidden")
            #expect(try await people.bob.get("/bugs/\(id)").object().string("status") == "open")
            // The reporter assigns Bob; now he may.
            #expect(try await people.ann.patch("/bugs/\(id)", json: #"{"assignee_id": 2}"#).status == .ok)
            #expect(try await people.bob.patch("/bugs/\(id)", json: #"{"status": "in_progress"}"#).status == .ok)
            // An admin may, whoever they are.
            #expect(try await people.carl.patch("/bugs/\(id)", json: #"{"status": "resolved"}"#).status == .ok)
            // Unassigned again, Bob may not.
            #expect(try await people.ann.patch("/bugs/\(id)", json: #"{"assignee_id": null}"#).status == .ok)
            #expect(try await people.bob.patch("/bugs/\(id)", json: #"{"status": "closed"}"#).status == .forbidden)
            let version = try await database.read { try $0.queryFirst("SELECT version FROM bugs") { $0.int(0) } }
            #expect(version == 5)
        }
    }

    @Test func anyoneSignedInReadsBugs() async throws {
        try await withBugs { people, _ in
            let id = try #require(try await people.ann.post("/bugs", json: #"{"title": "Crash"}"#).object().int("id"))
            #expect(try await people.bob.get("/bugs/\(id)").status == .ok)
            #expect(try await people.bob.get("/bugs").items().count == 1)
        }
    }
}
