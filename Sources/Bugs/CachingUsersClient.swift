public import ServiceKit
import Synchronization

/// Remembers, for a while, the people the users service knew: bugs looks the
/// same reporters, assignees and watchers up on change after change, and a
/// comment on a watched bug would otherwise cost a call per watcher.
///
/// Only people found are kept (someone created a moment ago must not be
/// "unknown" for minutes). An e-mail address cannot change; a name changed
/// shows in mails once the entry is older than `lifetime`.
public final class CachingUsersClient: UsersClient {
    private struct Entry {
        let user: UserReference
        let storedAt: ContinuousClock.Instant
    }

    private let base: any UsersClient
    private let lifetime: Duration
    private let capacity: Int
    private let entries = Mutex<[Int64: Entry]>([:])

    /// - Parameters:
    ///   - lifetime: how long an entry is trusted (5 minutes).
    ///   - capacity: how many people are kept at most (10,000); when full,
    ///     the older half is dropped.
    public init(_ base: any UsersClient, lifetime: Duration = .seconds(300), capacity: Int = 10_000) {
        self.base = base
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    public func knownUser(id: Int64) -> UserReference? {
        live(id, now: ContinuousClock.now)
    }

    public func user(id: Int64, identity: OutgoingRequestIdentity) async throws -> UserReference? {
        let now = ContinuousClock.now
        if let user = live(id, now: now) { return user }
        guard let found = try await base.user(id: id, identity: identity) else {
            _ = entries.withLock { $0.removeValue(forKey: id) }
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity {
                let cutoff = entries.values.map(\.storedAt).sorted()[entries.count / 2]
                entries = entries.filter { $0.value.storedAt > cutoff }
            }
            entries[id] = Entry(user: found, storedAt: now)
        }
        return found
    }

    private func live(_ id: Int64, now: ContinuousClock.Instant) -> UserReference? {
        guard let entry = entries.withLock({ $0[id] }), now - entry.storedAt < lifetime else { return nil }
        return entry.user
    }
}
