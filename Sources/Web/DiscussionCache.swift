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
        static func of(_ bug: [String: Any]) -> State? {
            guard let id = Presentation.id(bug["id"]), let createdAt = bug["created_at"] as? String,
                let version = Presentation.id(bug["version"]), let commentCount = Presentation.id(bug["comment_count"])
            else { return nil }
            return State(id: id, createdAt: createdAt, version: version, commentCount: commentCount)
        }
    }

    /// A bug's first page of comments and of history, as answered.
    struct Lists: Sendable {
        let comments: APIResponse
        let events: APIResponse
    }

    private let kept: KeptValues<State, Lists>

    /// - Parameter capacityBytes: the answers' bodies kept, in all; when
    ///   that is full, all go (one fetch each brings them back).
    init(capacityBytes: Int = 32 << 20) {
        self.kept = KeptValues(capacity: capacityBytes)
    }

    /// The lists of the bug in `state`: kept ones, else `fetch`'s, kept
    /// when both are successes. Without a state, `fetch`'s, not kept.
    func lists(for state: State?, fetch: () async throws -> Lists) async throws -> Lists {
        guard let state else { return try await fetch() }
        if let lists = kept.value(for: state) { return lists }
        let lists = try await fetch()
        if lists.comments.isSuccess, lists.events.isSuccess {
            kept.keep(lists, for: state, cost: lists.comments.body.count + lists.events.body.count)
        }
        return lists
    }
}
