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
import Synchronization
import TestSupport
import Testing
import Users

/// Bugs talking to a users service over real sockets: the real one on an
/// ephemeral port, one that is down, one that is slow.
@Suite struct BugsWithUsersServiceTests {
    /// Runs the real users service on an ephemeral port; `body` gets its base URL.
    func withLiveUsersService(_ body: @escaping @Sendable (String, any TestClientProtocol) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration("users"), internalToken: testInternalToken))
            try await app.test(.live) { client in
                try await body("http://127.0.0.1:\(client.port!)", client)
            }
        }
    }

    /// The bugs API, through its router, checking users with `users`.
    func withBugsAPI(users: HTTPUsersClient, _ test: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void)
        async throws
    {
        try await withMigratedDatabase("bugs") { database in
            let app = buildBugsService(
                database: database, users: users,
                options: BugsServiceOptions(http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: NoPublishedKeys()))
            try await app.test(.router) { client in try await test(client.bearer(testInternalToken), database) }
        }
        await users.shutdown()
    }

    func rowCounts(_ database: Database) async throws -> (bugs: Int, outbox: Int) {
        try await database.read { connection in
            (
                try connection.queryFirst("SELECT count(*) FROM bugs") { $0.int(0) } ?? -1,
                try connection.queryFirst("SELECT count(*) FROM outbox") { $0.int(0) } ?? -1
            )
        }
    }

    @Test func filingABugChecksUsersWithTheRealService() async throws {
        try await withLiveUsersService { usersURL, usersClient in
            _ = try await usersClient.post("/users", json: #"{"email": "ann@example.com", "name": "Ann"}"#)
            _ = try await usersClient.post("/users", json: #"{"email": "bob@example.com"}"#)
            try await withBugsAPI(users: HTTPUsersClient(baseURL: usersURL, internalToken: testInternalToken)) { client, database in
                let filed = try await client.post("/bugs", json: #"{"title": "Crash", "reporter_id": 1, "assignee_id": 2}"#)
                #expect(filed.status == .created)
                let recipients = try await database.read { try $0.query("SELECT recipient FROM outbox ORDER BY id") { $0.text(0) } }
                #expect(recipients == ["bob@example.com"])
                let unknown = try await client.post("/bugs", json: #"{"title": "Crash", "reporter_id": 7}"#)
                #expect(unknown.status == .unprocessableContent)
                #expect(try unknown.problemCode() == "unknown_user")
            }
        }
    }

    @Test func aDownUsersServiceOpensTheBreakerAndNothingIsStored() async throws {
        let breaker = CircuitBreaker(failureThreshold: 5, openDuration: .seconds(10))
        let users = HTTPUsersClient(baseURL: "http://127.0.0.1:\(try unusedPort())", internalToken: testInternalToken, breaker: breaker)
        try await withBugsAPI(users: users) { client, database in
            for attempt in 1...6 {
                let response = try await client.post("/bugs", json: #"{"title": "Crash", "reporter_id": 1}"#)
                #expect(response.status == .serviceUnavailable, "attempt \(attempt)")
                #expect(try response.problemCode() == "users_unavailable")
                #expect(response.headers[.retryAfter] != nil)
                #expect(breaker.isOpen == (attempt >= 5), "attempt \(attempt)")
            }
            // Once open, the answer says how long the breaker stays open.
            let open = try await client.post("/bugs", json: #"{"title": "Crash", "assignee_id": 1}"#)
            #expect((Int(open.headers[.retryAfter] ?? "") ?? 0) > 1)
            let counts = try await rowCounts(database)
            #expect(counts.bugs == 0 && counts.outbox == 0)
            // A bug that needs no user is not held up by the users service.
            let alone = try await client.post("/bugs", json: #"{"title": "No users"}"#)
            #expect(alone.status == .created)
        }
    }

    @Test func theBreakerLetsATrialThroughAndClosesWhenUsersIsBack() async throws {
        try await withLiveUsersService { usersURL, usersClient in
            _ = try await usersClient.post("/users", json: #"{"email": "ann@example.com"}"#)
            // Open long enough to be seen open after the second failure on
            // a busy machine (200 ms was not, once, with both cores busy).
            let openFor = Duration.seconds(2)
            let breaker = CircuitBreaker(failureThreshold: 2, openDuration: openFor)
            let down = HTTPUsersClient(baseURL: "http://127.0.0.1:\(try unusedPort())", internalToken: testInternalToken, breaker: breaker)
            try await withBugsAPI(users: down) { client, _ in
                _ = try await client.post("/bugs", json: #"{"title": "x", "reporter_id": 1}"#)
                _ = try await client.post("/bugs", json: #"{"title": "x", "reporter_id": 1}"#)
                #expect(breaker.isOpen)
            }
            // The same breaker in front of a users service that answers.
            let up = HTTPUsersClient(baseURL: usersURL, internalToken: testInternalToken, breaker: breaker)
            try await Task.sleep(for: openFor + .milliseconds(100))
            try await withBugsAPI(users: up) { client, _ in
                let status = try await client.post("/bugs", json: #"{"title": "x", "reporter_id": 1}"#).status
                #expect(status == .created)
                #expect(!breaker.isOpen)
            }
        }
    }

    @Test func aSlowUsersServiceTimesOutInto503() async throws {
        let router = Router()
        router.get("/users/:id") { _, _ -> HTTPResponse.Status in
            try await Task.sleep(for: .seconds(1))
            return .ok
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger())
            .test(.live) { slow in
                let users = HTTPUsersClient(
                    baseURL: "http://127.0.0.1:\(slow.port!)", internalToken: testInternalToken, callTimeout: .milliseconds(300))
                try await withBugsAPI(users: users) { client, database in
                    let response = try await client.post("/bugs", json: #"{"title": "Crash", "reporter_id": 1}"#)
                    #expect(response.status == .serviceUnavailable)
                    #expect(try response.problemCode() == "users_unavailable")
                    let counts = try await rowCounts(database)
                    #expect(counts.bugs == 0)
                }
            }
    }

    @Test func callsToUsersCarryTheRequestIDAndATraceparentOverTheWire() async throws {
        let seen = Mutex<[(String?, String?)]>([])
        let router = Router()
        router.get("/users/:id") { request, context -> Response in
            seen.withLock { $0.append((request.headers[.requestID], request.headers[.traceparent])) }
            let id = context.parameters.get("id") ?? "0"
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: #"{"id": \#(id), "email": "u\#(id)@example.com", "name": null, "created_at": "2026-01-01T00:00:00.000Z"}"#))
            )
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger())
            .test(.live) { fake in
                try await withBugsAPI(users: HTTPUsersClient(baseURL: "http://127.0.0.1:\(fake.port!)", internalToken: testInternalToken)) {
                    client, _ in
                    let response = try await client.post(
                        "/bugs", json: #"{"title": "Traced", "reporter_id": 5}"#,
                        headers: [.requestID: "wire-1", .traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]
                    )
                    #expect(response.status == .created)
                }
            }
        let (requestID, traceparent) = try #require(seen.withLock { $0.first })
        #expect(requestID == "wire-1")
        #expect(traceparent?.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-") == true)
        #expect(traceparent?.contains("b7ad6b7169203331") == false)
    }
}
