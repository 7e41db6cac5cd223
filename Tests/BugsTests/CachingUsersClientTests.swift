import HTTPTypes
import HummingbirdTesting
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import Bugs

@Suite struct CachingUsersClientTests {
    let identity = OutgoingRequestIdentity.continuing(requestID: nil, traceparent: nil, tracestate: nil)

    @Test func aPersonFoundIsAskedForOnceAndThenKnownWithoutAsking() async throws {
        let users = FakeUsersClient()
        let cache = CachingUsersClient(users)
        #expect(cache.knownUser(id: 1) == nil)
        #expect(try await cache.user(id: 1, identity: identity) == FakeUsersClient.ann)
        #expect(cache.knownUser(id: 1) == FakeUsersClient.ann)
        #expect(try await cache.user(id: 1, identity: identity) == FakeUsersClient.ann)
        #expect(users.calls.map(\.id) == [1])
        #expect(cache.knownUser(id: 2) == nil)
    }

    @Test func nobodyFoundIsKept() async throws {
        let users = FakeUsersClient()
        let cache = CachingUsersClient(users)
        #expect(try await cache.user(id: 99, identity: identity) == nil)
        #expect(cache.knownUser(id: 99) == nil)
        #expect(try await cache.user(id: 99, identity: identity) == nil)
        #expect(users.calls.map(\.id) == [99, 99])
    }

    @Test func anEntryOlderThanItsLifetimeIsNoLongerKnown() async throws {
        let users = FakeUsersClient()
        let cache = CachingUsersClient(users, lifetime: .milliseconds(20))
        _ = try await cache.user(id: 3, identity: identity)
        try await Task.sleep(for: .milliseconds(40))
        #expect(cache.knownUser(id: 3) == nil)
        #expect(try await cache.user(id: 3, identity: identity) == FakeUsersClient.carl)
        #expect(users.calls.map(\.id) == [3, 3])
    }

    /// The second comment finds everyone in the cache: no call at all, and
    /// its mail still goes to the right people (Ann; Bob wrote it).
    @Test func aCommentWhosePeopleAreKnownAsksTheUsersServiceNothing() async throws {
        let tokens = await TestTokens()
        let users = FakeUsersClient()
        try await withMigratedDatabase("bugs") { database in
            let app = buildBugsService(
                database: database, users: CachingUsersClient(users),
                options: BugsServiceOptions(http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: tokens)
            )
            try await app.test(.router) { client in
                let ann = client.bearer(try await tokens.token(for: 1, email: "ann@example.com"))
                let bob = client.bearer(try await tokens.token(for: 2, email: "bob@example.com"))
                #expect(try await ann.post("/bugs", json: #"{"title": "Crash on save", "assignee_id": 2}"#).status == .created)
                #expect(try await bob.post("/bugs/1/comments", json: #"{"body": "Same here."}"#).status == .created)
                let asked = users.calls.count
                let before = try await database.read { try $0.queryFirst("SELECT max(id) FROM outbox") { $0.int64(0) } ?? 0 }
                #expect(try await bob.post("/bugs/1/comments", json: #"{"body": "Again."}"#).status == .created)
                #expect(users.calls.count == asked)
                let recipients = try await database.read {
                    try $0.query("SELECT recipient FROM outbox WHERE id > ? ORDER BY id", [.integer(before)]) { $0.text(0) }
                }
                #expect(recipients == ["ann@example.com"])
            }
        }
    }
}
