import AsyncHTTPClient
import Bugs
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import NIOHTTP1
import SQLiteStore
import ServiceKit
import Synchronization
import TestSupport
import Testing
import Users

/// Tokens from the real users service, checked by the bugs service with the
/// keys it fetched: once for many requests, still while users is down, and
/// still after users restarts on the same database.
@Suite struct IdentityAcrossServicesTests {
    @Test func bugsChecksUsersTokensByItselfThroughOutagesAndRestarts() async throws {
        let port = try unusedPort()
        let usersURL = "http://127.0.0.1:\(port)"
        let keys = JWKSClient(usersURL: usersURL, logger: quietLogger())
        let users = HTTPUsersClient(baseURL: usersURL, internalToken: testInternalToken)
        defer { Task { await users.shutdown() } }
        try await withMigratedDatabase(UsersService.migrations) { usersDatabase in
            try await withMigratedDatabase("bugs") { bugsDatabase in
                let bugs = buildBugsService(
                    database: bugsDatabase, users: users,
                    options: BugsServiceOptions(http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: keys)
                )
                try await bugs.test(.router) { client in
                    // Users up: sign up, sign in, file a bug naming an assignee.
                    let signedIn = Mutex<[String]?>(nil)
                    try await ServiceHarness.withUsers(port: port, database: usersDatabase) { url in
                        for email in ["ann@example.com", "bob@example.com"] {
                            let created = try await ServiceHarness.call(
                                .POST, "\(url)/users", json: #"{"email": "\#(email)", "password": "correct horse"}"#)
                            #expect(created.status == 201)
                        }
                        let answer = try await ServiceHarness.call(
                            .POST, "\(url)/tokens", json: #"{"email": "ann@example.com", "password": "correct horse"}"#)
                        let token = try #require(answer.body.string("access_token"))
                        let filed = try await client.bearer(token).post("/bugs", json: #"{"title": "Crash", "assignee_id": 2}"#)
                        #expect(filed.status == .created)
                        #expect(try filed.object().int("reporter_id") == 1)
                        for _ in 0..<20 { #expect(try await client.bearer(token).get("/bugs/1").status == .ok) }
                        // Bob signs in too, but shows his token to bugs only once users is down.
                        let bobs = try await ServiceHarness.call(
                            .POST, "\(url)/tokens", json: #"{"email": "bob@example.com", "password": "correct horse"}"#)
                        let bobsToken = try #require(bobs.body.string("access_token"))
                        signedIn.withLock { $0 = [token, bobsToken] }
                    }
                    let tokens = try #require(signedIn.withLock { $0 })
                    let token = tokens[0]
                    #expect(keys.fetchCount == 1)
                    // Users down: the kept keys check a token bugs never saw.
                    #expect(try await client.bearer(tokens[1]).get("/bugs/1").status == .ok)
                    #expect(try await client.bearer(token).get("/bugs/1").status == .ok)
                    #expect(try await client.bearer(token).get("/bugs").items().count == 1)
                    // Users restarted on its database: the same key, the token still good there too.
                    try await ServiceHarness.withUsers(port: port, database: usersDatabase) { url in
                        #expect(try await ServiceHarness.call(.GET, "\(url)/users/me", token: token).status == 200)
                        let again = try await ServiceHarness.call(
                            .POST, "\(url)/tokens", json: #"{"email": "ann@example.com", "password": "correct horse"}"#)
                        let fresh = try #require(again.body.string("access_token"))
                        #expect(try await client.bearer(fresh).get("/bugs/1").status == .ok)
                    }
                    #expect(keys.fetchCount == 1)
                }
            }
        }
    }
}
