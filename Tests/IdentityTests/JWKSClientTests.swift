import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// The verifiers' key cache against a real HTTP server standing in for the
/// users service's `/.well-known/jwks.json`, on a fixed free port so it can be
/// stopped and started again.
@Suite struct JWKSClientTests {
    /// What the stand-in serves, and how often it was asked.
    final class Published: Sendable {
        let keys: Mutex<[PublishedKey]>
        let requests = Atomic<Int>(0)

        init(_ keys: [PublishedKey]) {
            self.keys = Mutex(keys)
        }
    }

    /// Time that moves only when a test says so.
    final class ManualTime: Sendable {
        private let start = ContinuousClock.now
        private let offset = Mutex(Duration.zero)

        func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    }

    /// Runs the stand-in on `port` for the length of `body`.
    func serving(_ published: Published, on port: Int, _ body: @Sendable () async throws -> Void) async throws {
        let router = Router()
        router.get("/.well-known/jwks.json") { _, _ -> Response in
            published.requests.add(1, ordering: .relaxed)
            let document = JWKSDocument(keys: published.keys.withLock { $0 })
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(document))))
        }
        let listening = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { listening.continuation.yield($0.localAddress?.port ?? 0) }, logger: quietLogger()
        )
        try await withRunningService(app, listening: listening.stream) { _ in try await body() }
    }

    @Test func manyRequestsAtOnceFetchTheKeysOnce() async throws {
        let tokens = await TestTokens()
        let published = Published([tokens.published])
        let port = try unusedPort()
        let client = JWKSClient(usersURL: "http://127.0.0.1:\(port)", logger: quietLogger())
        let verifier = TokenVerifier(source: client)
        try await serving(published, on: port) {
            let token = try await tokens.token(for: 7)
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<50 { group.addTask { try await verifier.verify(token).id } }
                for try await id in group { #expect(id == 7) }
            }
            for _ in 0..<50 { _ = try await verifier.verify(token) }
        }
        #expect(client.fetchCount == 1)
        #expect(published.requests.load(ordering: .relaxed) == 1)
    }

    @Test func anUnknownKidFetchesAgainAtMostOncePerInterval() async throws {
        let old = await TestTokens(kid: "old")
        let new = await TestTokens(kid: "new")
        let stranger = await TestTokens(kid: "stranger")
        let published = Published([old.published])
        let port = try unusedPort()
        let time = ManualTime()
        let client = JWKSClient(usersURL: "http://127.0.0.1:\(port)", logger: quietLogger(), now: time.now)
        let verifier = TokenVerifier(source: client)
        try await serving(published, on: port) {
            _ = try await verifier.verify(try await old.token(for: 1))
            // A key published after the first fetch: within ten seconds of it,
            // a token naming it is refused without asking again…
            published.keys.withLock { $0.append(new.published) }
            time.advance(.seconds(5))
            await #expect(throws: TokenRejection.self) { try await verifier.verify(try await new.token(for: 2)) }
            #expect(published.requests.load(ordering: .relaxed) == 1)
            // …and after them, the first token naming it fetches again.
            time.advance(.seconds(6))
            #expect(try await verifier.verify(try await new.token(for: 2)).id == 2)
            #expect(published.requests.load(ordering: .relaxed) == 2)
            // A kid nobody publishes, over and over: one fetch per ten seconds.
            for _ in 0..<20 {
                await #expect(throws: TokenRejection.self) { try await verifier.verify(try await stranger.token(for: 3)) }
            }
            #expect(published.requests.load(ordering: .relaxed) == 2)
            time.advance(.seconds(11))
            for _ in 0..<20 {
                await #expect(throws: TokenRejection.self) { try await verifier.verify(try await stranger.token(for: 3)) }
            }
            #expect(published.requests.load(ordering: .relaxed) == 3)
            // Known keys go on working all along.
            #expect(try await verifier.verify(try await old.token(for: 1)).id == 1)
        }
    }

    @Test func keysOlderThanTenMinutesAreFetchedAgain() async throws {
        let tokens = await TestTokens()
        let published = Published([tokens.published])
        let port = try unusedPort()
        let time = ManualTime()
        let client = JWKSClient(usersURL: "http://127.0.0.1:\(port)", logger: quietLogger(), now: time.now)
        let verifier = TokenVerifier(source: client)
        try await serving(published, on: port) {
            // A new token each time: one already accepted is remembered and
            // needs no keys at all.
            _ = try await verifier.verify(try await tokens.token(for: 7))
            time.advance(.seconds(599))
            _ = try await verifier.verify(try await tokens.token(for: 8))
            #expect(client.fetchCount == 1)
            // Old keys still answer at once; the fetch happens behind the request.
            time.advance(.seconds(2))
            _ = try await verifier.verify(try await tokens.token(for: 9))
            try await eventually("the keys are fetched again") { client.fetchCount == 2 }
        }
    }

    @Test func keptKeysVerifyWhileTheUsersServiceIsDown() async throws {
        let tokens = await TestTokens()
        let published = Published([tokens.published])
        let port = try unusedPort()
        // Keys count as stale at once: every call tries the (stopped) server again.
        let client = JWKSClient(
            usersURL: "http://127.0.0.1:\(port)", logger: quietLogger(), maximumAge: .zero, minimumInterval: .zero)
        let verifier = TokenVerifier(source: client)
        try await serving(published, on: port) { _ = try await verifier.verify(try await tokens.token(for: 7)) }
        for id in Int64(8)...10 { #expect(try await verifier.verify(try await tokens.token(for: id)).id == id) }
        #expect(client.fetchCount == 1)
    }

    @Test func withNoKeysEverFetchedTokensCannotBeCheckedYet() async throws {
        let tokens = await TestTokens()
        let client = JWKSClient(usersURL: "http://127.0.0.1:\(try unusedPort())", logger: quietLogger())
        let verifier = TokenVerifier(source: client)
        let token = try await tokens.token(for: 7)
        await #expect(throws: KeysUnavailable.self) { try await verifier.verify(token) }
        // Straight after a failure, the next call does not try again.
        await #expect(throws: KeysUnavailable.self) { try await verifier.verify(token) }
    }
}
