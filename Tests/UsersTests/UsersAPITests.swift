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

/// The users API through its router, on a migrated temporary database.
@Suite struct UsersAPITests {
    func withUsersAPI(_ test: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database,
                options: UsersServiceOptions(http: testHTTPConfiguration("users"), internalToken: testInternalToken)
            )
            try await app.test(.router) { client in try await test(client.bearer(testInternalToken), database) }
        }
    }

    func outboxCount(_ database: Database) async throws -> Int {
        try await database.read { try $0.queryFirst("SELECT count(*) FROM outbox") { $0.int(0) } ?? -1 }
    }

    func userCount(_ database: Database) async throws -> Int {
        try await database.read { try $0.queryFirst("SELECT count(*) FROM users") { $0.int(0) } ?? -1 }
    }

    @Test func createAnswers201WithLocationAndTheUser() async throws {
        try await withUsersAPI { client, database in
            let response = try await client.post("/users", json: #"{"email": " Ann@Example.com ", "name": "Ann"}"#)
            #expect(response.status == .created)
            #expect(response.headers[.location] == "/users/1")
            #expect(response.headers[.contentType] == "application/json")
            let user = try response.object()
            #expect(user.int("id") == 1 && user.string("email") == "Ann@Example.com" && user.string("name") == "Ann")
            #expect(Timestamp(rfc3339: user.string("created_at") ?? "") != nil)
            #expect(try await outboxCount(database) == 1)
        }
    }

    @Test func theSeedRouteCreatesTooAndSendsNameAsNull() async throws {
        try await withUsersAPI { client, _ in
            // curl -d sends application/x-www-form-urlencoded; the body is JSON all the same.
            let response = try await client.post(
                "/create", json: #"{"email": "bob@example.com"}"#, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(response.status == .created)
            let user = try response.object()
            #expect(user.keys.contains("name") && user["name"] is NSNull)
        }
    }

    @Test func theSeedsOwnExampleIsAClear400() async throws {
        try await withUsersAPI { client, database in
            let response = try await client.post("/create", json: #"{"email": "test"}"#)
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_field")
            #expect(try response.problemDetail().contains("email"))
            #expect(try await userCount(database) == 0)
            #expect(try await outboxCount(database) == 0)
        }
    }

    @Test(arguments: [
        ("{", "invalid_json"), ("", "invalid_json"), ("[1, 2]", "invalid_json"), ("\"text\"", "invalid_json"),
        ("{\"name\": \"Ann\"}", "invalid_field"), ("{\"email\": 42}", "invalid_field"), ("{\"email\": null}", "invalid_field"),
        ("{\"email\": \"a@b.co\", \"admin\": true}", "invalid_field"), ("{\"email\": \"a@b.co\", \"name\": 7}", "invalid_field"),
        ("{\"email\": \"a@b.co\", \"name\": \"x\\r\\nBcc: evil@example.com\"}", "invalid_field"),
        // Strict JSON (RFC 8259): what Foundation alone would take.
        ("{\"email\": \"a@b.co\",}", "invalid_json"), ("{\"email\": \"a@b.co\" /* c */}", "invalid_json"),
        ("{\"email\": \"a@b.co\", \"email\": \"c@d.co\"}", "invalid_json"), ("{\"email\": \"a@b.co\", \"name\": NaN}", "invalid_json"),
    ])
    func badBodiesAre400AndChangeNothing(body: String, code: String) async throws {
        try await withUsersAPI { client, database in
            let response = try await client.post("/users", json: body)
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == code)
            #expect(try await userCount(database) == 0)
            #expect(try await outboxCount(database) == 0)
        }
    }

    @Test func problemsNameTheFieldAtFault() async throws {
        try await withUsersAPI { client, _ in
            let missing = try await client.post("/users", json: #"{"name": "x"}"#).problemDetail()
            #expect(missing == "email is required")
            let wrongType = try await client.post("/users", json: #"{"email": 1}"#).problemDetail()
            #expect(wrongType == "email must be a string")
            let unknown = try await client.post("/users", json: #"{"email": "a@b.co", "nick": "x"}"#).problemDetail()
            #expect(unknown.hasPrefix("nick is not a field"))
        }
    }

    /// Every open route's body is closed: a field it does not name is a 400
    /// naming that field and the ones it knows, and nothing is written.
    @Test(arguments: [
        ("/users", #"{"email": "a@b.co", "extra": 1}"#, "email, name, password"),
        ("/tokens", #"{"email": "a@b.co", "password": "correct horse", "extra": 1}"#, "email, password"),
        ("/password-resets", #"{"email": "a@b.co", "extra": 1}"#, "email"),
        ("/password-resets/confirm", #"{"token": "t", "password": "correct horse", "extra": 1}"#, "token, password"),
    ])
    func aFieldTheRequestDoesNotNameIsRefused(path: String, body: String, known: String) async throws {
        try await withUsersAPI { client, database in
            let response = try await client.post(path, json: body)
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_field")
            #expect(try response.problemDetail() == "extra is not a field of this request (known: \(known))")
            #expect(try await userCount(database) == 0)
            #expect(try await outboxCount(database) == 0)
        }
    }

    @Test func aTakenAddressIs409WhateverItsCase() async throws {
        try await withUsersAPI { client, database in
            _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
            let response = try await client.post("/users", json: #"{"email": "ANN@EXAMPLE.COM"}"#)
            #expect(response.status == .conflict)
            #expect(try response.problemCode() == "email_taken")
            #expect(try response.problemDetail() == "a user with e-mail ANN@EXAMPLE.COM already exists")
            #expect(try await outboxCount(database) == 1)
        }
    }

    @Test(arguments: [("é@x.com", "e\u{0301}@x.com"), ("a@bücher.example", "a@xn--bcher-kva.example")])
    func oneAddressSpelledTwoWaysIs409(first: String, second: String) async throws {
        try await withUsersAPI { client, database in
            #expect(try await client.post("/users", json: #"{"email": "\#(first)"}"#).status == .created)
            let response = try await client.post("/users", json: #"{"email": "\#(second)"}"#)
            #expect(response.status == .conflict)
            #expect(try response.problemCode() == "email_taken")
            #expect(try await userCount(database) == 1)
        }
    }

    @Test func aBodyOverOneMebibyteIs413() async throws {
        try await withUsersAPI { client, database in
            let name = String(repeating: "n", count: 1 << 20)
            let response = try await client.post("/users", json: #"{"email": "a@b.co", "name": "\#(name)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problemCode() == "body_too_large")
            #expect(try await userCount(database) == 0)
        }
    }

    @Test func getAnswersTheUserOr404() async throws {
        try await withUsersAPI { client, _ in
            _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
            let found = try await client.get("/users/1")
            let user = try found.object()
            #expect(found.status == .ok && user.string("email") == "ann@example.com")
            for missing in ["/users/2", "/users/abc", "/users/0", "/users/99999999999999999999999"] {
                let response = try await client.get(missing)
                #expect(response.status == .notFound, "\(missing)")
                #expect(try response.problemCode() == "user_not_found")
            }
        }
    }

    @Test func listPagesWithCursorsAndFindsByEmail() async throws {
        try await withUsersAPI { client, _ in
            for index in 1...5 {
                _ = try await client.post("/users", json: #"{"email": "u\#(index)@example.com"}"#)
            }
            let first = try await client.get("/users?limit=2").object()
            #expect((first["items"] as? [[String: Any]])?.compactMap { $0.int("id") } == [1, 2])
            let cursor = try #require(first.string("next_cursor"))
            let second = try await client.get("/users?limit=2&cursor=\(cursor)").object()
            #expect((second["items"] as? [[String: Any]])?.compactMap { $0.int("id") } == [3, 4])
            let last = try await client.get("/users?limit=2&cursor=\(try #require(second.string("next_cursor")))").object()
            #expect((last["items"] as? [[String: Any]])?.compactMap { $0.int("id") } == [5])
            #expect(last["next_cursor"] is NSNull)
            #expect(try await client.get("/users").items().count == 5)
            // An empty cursor is the first page, as no cursor is.
            let empty = try await client.get("/users?limit=2&cursor=").object()
            #expect((empty["items"] as? [[String: Any]])?.compactMap { $0.int("id") } == [1, 2])

            let found = try await client.get("/users?email=U3@EXAMPLE.COM").items()
            #expect(found.compactMap { $0.int("id") } == [3])
            #expect(try await client.get("/users?email=nobody@example.com").items().isEmpty)
        }
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=-1", "limit=ten", "cursor=forged", "cursor=YWZ0ZXI6LTE", "sort=id", "limit=1&limit=2"])
    func badListParametersAre400(query: String) async throws {
        try await withUsersAPI { client, _ in
            let response = try await client.get("/users?\(query)")
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_parameter")
        }
    }

    @Test func unknownRoutesAre404AndWrongMethods405WithAllow() async throws {
        try await withUsersAPI { client, _ in
            let unknown = try await client.get("/nowhere")
            #expect(unknown.status == .notFound)
            #expect(try unknown.problemCode() == "not_found")
            let wrong = try await client.send(.delete, "/users")
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET, POST")
            #expect(try wrong.problemCode() == "method_not_allowed")
            let wrongOnID = try await client.send(.put, "/users/1", json: "{}")
            #expect(wrongOnID.headers[.allow] == "GET, PATCH")
            // /users/me is its own route, not /users/{id}'s: it takes GET alone.
            let wrongOnMe = try await client.send(.options, "/users/me")
            #expect(wrongOnMe.status == .methodNotAllowed)
            #expect(wrongOnMe.headers[.allow] == "GET")
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await withUsersAPI { client, _ in
            let echoed = try await client.get("/health", headers: [.requestID: "my-request-42"])
            #expect(echoed.headers[.requestID] == "my-request-42")
            let made = try await client.get("/nowhere")
            #expect(made.headers[.requestID]?.count == 16)
            // A header that cannot be echoed safely is replaced.
            let replaced = try await client.get("/health", headers: [.requestID: String(repeating: "x", count: 300)])
            #expect(replaced.headers[.requestID]?.count == 16)
        }
    }

    @Test func healthReadyAndMetrics() async throws {
        try await withUsersAPI { client, _ in
            #expect(try await client.get("/health").object().string("status") == "ok")
            #expect(try await client.get("/ready").status == .ok)
            _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
            _ = try await client.get("/users/7")
            let metrics = try await client.get("/metrics")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains(#"http_requests_total{route="/users",method="POST",status="201"} 1"#))
            #expect(text.contains(#"http_requests_total{route="/users/{id}",method="GET",status="404"} 1"#))
            #expect(text.contains("http_request_duration_seconds_bucket{"))
            #expect(text.contains("outbox_pending_messages 1"))
        }
    }

    @Test func everyMetricFamilyHasHelpTextAndTheProcessFiguresAreThere() async throws {
        try await withUsersAPI { client, _ in
            _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
            let lines = try await client.get("/metrics").text.split(separator: "\n")
            func names(_ prefix: String) -> [String] {
                lines.filter { $0.hasPrefix(prefix) }.map { String($0.split(separator: " ")[2]) }
            }
            let families = names("# TYPE ")
            #expect(!families.isEmpty && Set(families) == Set(names("# HELP ")))
            func value(_ name: String) -> Double? {
                lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds"] {
                #expect((value(name) ?? 0) > 0, "\(name)")
            }
            #expect((value("process_max_fds") ?? 0) >= (value("process_open_fds") ?? .infinity))
            let started = value("process_start_time_seconds") ?? 0
            #expect(started <= Date().timeIntervalSince1970 && started > Date().timeIntervalSince1970 - 86_400)
        }
    }

    @Test func readyIs503WhenTheSchemaIsNotCurrent() async throws {
        try await withEmptyDatabase { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration(), internalToken: nil))
            try await app.test(.router) { client in
                let response = try await client.get("/ready")
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
            }
        }
    }
}
