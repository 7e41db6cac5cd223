import Synchronization

/// A bug's comments and history as the bugs API last answered them, kept
/// by the bug's state, so that showing a bug again asks the API for the
/// bug and its watchers only.
///
/// Sound because of how the bugs API writes: comments and history entries
/// are never changed or removed, every write that adds a history entry
/// raises the bug's `version` (a change) or its `comment_count` (a
/// comment), and `created_at` tells a bug from another with its id (a
/// database made again). So while a bug shows the same id, `created_at`,
/// `version` and `comment_count`, its comments and history are what they
/// were. The lists are read after the bug, so what is kept under a state
/// is never older than that state. Watchers change without either count
/// and are never kept.
final class DiscussionCache: Sendable {
    /// What a bug's lists depend on.
    struct State: Hashable, Sendable {
        let id: Int64
        let createdAt: String
        let version: Int64
        let commentCount: Int64

        /// The state of `bug` (the bugs API's object); nil when it lacks a part.
        init?(id: Int64, bug: [String: Any]) {
            guard let createdAt = bug["created_at"] as? String, let version = Presentation.id(bug["version"]),
                let commentCount = Presentation.id(bug["comment_count"])
            else { return nil }
            self.id = id
            self.createdAt = createdAt
            self.version = version
            self.commentCount = commentCount
        }
    }

    /// A bug's first page of comments and of history, as answered.
    struct Lists: Sendable {
        let comments: APIResponse
        let events: APIResponse
    }

    private struct Kept {
        var lists: [State: Lists] = [:]
        var bytes = 0
    }

    private let kept = Mutex(Kept())
    private let capacityBytes: Int

    /// - Parameter capacityBytes: the answers' bodies kept, in all; when
    ///   that is full, all go (one fetch each brings them back).
    init(capacityBytes: Int = 32 << 20) {
        self.capacityBytes = capacityBytes
    }

    /// The lists of the bug in `state`: kept ones, else `fetch`'s, kept
    /// when both are successes.
    func lists(for state: State, fetch: () async throws -> Lists) async throws -> Lists {
        if let lists = kept.withLock({ $0.lists[state] }) { return lists }
        let lists = try await fetch()
        let size = lists.comments.body.count + lists.events.body.count
        guard lists.comments.isSuccess, lists.events.isSuccess, size <= capacityBytes else { return lists }
        kept.withLock { kept in
            guard kept.lists[state] == nil else { return }
            if kept.bytes + size > capacityBytes { kept = Kept() }
            kept.lists[state] = lists
            kept.bytes += size
        }
        return lists
    }
}
