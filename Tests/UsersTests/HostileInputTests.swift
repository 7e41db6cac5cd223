import EmbeddedMigrations
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import Users

/// Bodies and parameters a client should not send: each gets a clear 4xx,
/// changes nothing, and shows nothing of the service's insides.
@Suite struct HostileInputTests {
    func withUsersAPI(_ test: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration(), internalToken: testInternalToken))
            try await app.test(.router) { client in try await test(client.bearer(testInternalToken), database) }
        }
    }

    func counts(_ database: Database) async throws -> [Int] {
        try await database.read { connection in
            [
                try connection.queryFirst("SELECT count(*) FROM users") { $0.int(0) } ?? -1,
                try connection.queryFirst("SELECT count(*) FROM outbox") { $0.int(0) } ?? -1,
            ]
        }
    }

    static let nested = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)

    @Test(arguments: [
        #"{"email": "a@b.co""#, "{'email': 'a@b.co'}", "null", "{\"email\": \"a@b.co\"} trailing",
        #"{"email": {"nested": "object"}}"#, #"{"email": ["a@b.co"]}"#, "{\"email\": \(nested)}", nested,
        "{\"email\": \"a\\u0000@b.co\"}", "{\"email\": \"a@b.co\", \"name\": \"x\\u0000y\"}",
        #"{"email": "a@b.co", "name": 123456789012345678901234567890}"#,
        #"{"email": "' OR 1=1; DROP TABLE users; --"}"#, #"{"email": "a@b.co", "name": "x\r\nBcc: evil@example.com"}"#,
        #"{"email": "a@b.co\r\nBcc: evil@example.com"}"#, #"{"email": "a@b.co\nX-Injected: 1"}"#,
        #"{"email": "a@b.co", "email": "c@d.co", "role": "admin"}"#,
    ])
    func malformedBodiesAre400AndChangeNothing(body: String) async throws {
        try await withUsersAPI { client, database in
            let response = try await client.post("/users", json: body)
            #expect(response.status == .badRequest, "\(body.prefix(60))")
            let code = try response.problemCode()
            #expect(["invalid_json", "invalid_field"].contains(code))
            #expect(internalDetails(in: response.text) == [], "\(response.text)")
            #expect(try await counts(database) == [0, 0])
        }
    }

    @Test func invalidUTF8Is400() async throws {
        try await withUsersAPI { client, database in
            var bytes = Array(#"{"email": "a@b.co", "name": "x"#.utf8)
            bytes += [0xFF, 0xFE, 0xC3]
            bytes += Array(#""}"#.utf8)
            let response = try await client.executeRequest(uri: "/users", method: .post, headers: [:], body: ByteBuffer(bytes: bytes))
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_json")
            #expect(try await counts(database) == [0, 0])
        }
    }

    @Test func aTenMebibyteBodyIs413() async throws {
        try await withUsersAPI { client, database in
            let body = #"{"email": "a@b.co", "name": ""# + String(repeating: "x", count: 10 << 20) + #""}"#
            let response = try await client.post("/users", json: body)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problemCode() == "body_too_large")
            #expect(try await counts(database) == [0, 0])
        }
    }

    @Test(arguments: [
        "/users?limit=0", "/users?limit=-5", "/users?limit=99999999999999999999", "/users?cursor=YWZ0ZXI6OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
        "/users?cursor=%00", "/users?cursor=' OR 1=1 --", "/users?limit=1;DROP%20TABLE%20users", "/users?email[]=x",
    ])
    func badParametersAre400(uri: String) async throws {
        try await withUsersAPI { client, _ in
            let response = try await client.get(uri)
            #expect(response.status == .badRequest, "\(uri)")
            #expect(try response.problemCode() == "invalid_parameter")
            #expect(internalDetails(in: response.text) == [])
        }
    }

    @Test func sqlLookingValuesAreStoredAsText() async throws {
        try await withUsersAPI { client, database in
            let name = "Robert'); DROP TABLE users; --"
            let created = try await client.post("/users", json: #"{"email": "bobby@example.com", "name": "\#(name)"}"#)
            #expect(created.status == .created)
            #expect(try created.object().string("name") == name)
            let found = try await client.get("/users?email=x%27%20OR%20%271%27%3D%271").items()
            #expect(found.isEmpty)
            #expect(try await counts(database) == [1, 1])
        }
    }

    @Test func anUnexpectedFailureIs500WithNothingOfTheInsides() async throws {
        try await withUsersAPI { client, database in
            // A closed database fails every call with SQLite's misuse code,
            // an error no handler expects.
            await database.close()
            for response in [
                try await client.post("/users", json: #"{"email": "ann@example.com"}"#), try await client.get("/users/1"),
                try await client.get("/users?limit=5"),
            ] {
                #expect(response.status == .internalServerError)
                #expect(try response.problemCode() == "internal_error")
                #expect(internalDetails(in: response.text) == [], "\(response.text)")
            }
        }
    }

    @Test func idsBeyondSixtyFourBitsAre404() async throws {
        try await withUsersAPI { client, _ in
            let response = try await client.get("/users/123456789012345678901234567890")
            #expect(response.status == .notFound)
            #expect(internalDetails(in: response.text) == [])
        }
    }
}

/// Connections that hold sockets without finishing a request are closed.
@Suite struct SlowConnectionTests {
    @Test func idleAndHalfSentRequestsAreCutOff() async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            var http = testHTTPConfiguration()
            http.idleTimeout = .milliseconds(500)
            let app = try await buildUsersService(database: database, options: UsersServiceOptions(http: http, internalToken: nil))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                for opening in ["", "GET /health HTTP/1.1\r\nHost: x\r\n"] {
                    let socket = try RawSocket(port: port)
                    defer { socket.close() }
                    try await socket.send(opening)
                    // The server closes it: read returns 0 (end of stream),
                    // long before the 10 s this waits for it.
                    let closed = try await socket.waitForClose(timeout: .seconds(10))
                    #expect(closed, "the server kept a connection that sent \(opening.debugDescription)")
                }
            }
        }
    }
}
