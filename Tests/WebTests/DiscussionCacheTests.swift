import Bugs
import ServiceKit
import Synchronization
import Testing

@testable import Web

/// A bug's comments and history are asked for again exactly when the bug's
/// state says they may have changed.
@Suite struct DiscussionCacheTests {
    /// A fetch that counts its calls and answers `status` with a body of `size` bytes.
    final class CountingFetch: Sendable {
        let calls = Atomic(0)
        let status: Int
        let size: Int
        init(status: Int = 200, size: Int = 10) {
            (self.status, self.size) = (status, size)
        }
        func callAsFunction() async throws -> DiscussionCache.Lists {
            calls.add(1, ordering: .relaxed)
            let answer = APIResponse(status: status, etag: nil, retryAfter: nil, body: Array(repeating: 0x20, count: size))
            return DiscussionCache.Lists(comments: answer, events: answer)
        }
        var count: Int { calls.load(ordering: .relaxed) }
    }

    func state(id: Int64 = 7, created: String = "2026-11-27T10:00:00.000Z", version: Int = 1, comments: Int = 0)
        -> DiscussionCache.State
    {
        DiscussionCache.State.of(["id": Int(id), "created_at": created, "version": version, "comment_count": comments])!
    }

    @Test func theListsAreAskedForOncePerStateOfTheBug() async throws {
        let cache = DiscussionCache()
        let fetch = CountingFetch()
        _ = try await cache.lists(for: state(), fetch: fetch.callAsFunction)
        _ = try await cache.lists(for: state(), fetch: fetch.callAsFunction)
        #expect(fetch.count == 1)
        // A comment, a change, another bug, or the same id in a database made again.
        for changed in [state(comments: 1), state(version: 2), state(id: 8), state(created: "2026-11-27T11:00:00.000Z")] {
            let before = fetch.count
            _ = try await cache.lists(for: changed, fetch: fetch.callAsFunction)
            #expect(fetch.count == before + 1, "\(changed)")
        }
    }

    @Test func onlySuccessesAreKeptAndTheCapacityHolds() async throws {
        let cache = DiscussionCache(capacityBytes: 100)
        let failing = CountingFetch(status: 503)
        for _ in 0..<2 { _ = try await cache.lists(for: state(), fetch: failing.callAsFunction) }
        #expect(failing.count == 2)
        // Bodies of 2 × 30 bytes: one state fits, a second clears the first.
        let fetch = CountingFetch(size: 30)
        _ = try await cache.lists(for: state(), fetch: fetch.callAsFunction)
        _ = try await cache.lists(for: state(comments: 1), fetch: fetch.callAsFunction)
        _ = try await cache.lists(for: state(comments: 1), fetch: fetch.callAsFunction)
        _ = try await cache.lists(for: state(), fetch: fetch.callAsFunction)
        #expect(fetch.count == 3)
        // Lists larger than the whole cache are shown and not kept, and
        // leave what is kept alone.
        let huge = CountingFetch(size: 60)
        for _ in 0..<2 { _ = try await cache.lists(for: state(id: 9), fetch: huge.callAsFunction) }
        #expect(huge.count == 2)
        _ = try await cache.lists(for: state(), fetch: fetch.callAsFunction)
        #expect(fetch.count == 3)
    }

    /// A bug as the bugs service writes it has a state; without one, the
    /// lists would be asked for on every page and nothing would say so.
    @Test func aBugAsTheBugsServiceAnswersHasItsState() throws {
        let created = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
        let bug = Bug(
            id: 7, title: "Crash", description: nil, status: .open, priority: .high, reporterID: 1, assigneeID: nil, commentCount: 2,
            createdAt: created, updatedAt: created, version: 3)
        let object = try #require(try JSONReader.value(try OrderedJSONEncoder().encode(bug)) as? [String: Any])
        let state = try #require(DiscussionCache.State.of(object))
        #expect(state.version == 3 && state.commentCount == 2 && state.createdAt == created.rfc3339)
    }

    @Test func aBugWithoutItsStateIsNotKept() {
        #expect(DiscussionCache.State.of(["id": 7, "version": 1, "comment_count": 0]) == nil)
        #expect(DiscussionCache.State.of(["id": 7, "created_at": "x", "comment_count": 0]) == nil)
    }
}
