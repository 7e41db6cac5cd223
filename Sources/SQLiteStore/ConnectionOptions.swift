/// How SQLite syncs a commit to disk (`PRAGMA synchronous`).
public enum Synchronous: String, Sendable, CaseIterable {
    /// Every commit is fsynced before it returns: it survives power loss.
    case full
    /// In WAL mode, commits are fsynced at checkpoints only: a commit survives
    /// a crash of the process, and may be lost with power.
    case normal
    /// No fsync at all. For throwaway data only.
    case off
}

/// How one connection is opened and set up.
public struct ConnectionOptions: Sendable {
    /// Create the file when it does not exist.
    public var create: Bool = true
    /// Refuse writes on this connection (`PRAGMA query_only`).
    public var queryOnly: Bool = false
    /// Durability of commits.
    public var synchronous: Synchronous = .full
    /// How long a statement waits for another connection's lock before it
    /// fails with `SQLITE_BUSY`.
    public var busyTimeout: Duration = .seconds(5)

    public init(
        create: Bool = true,
        queryOnly: Bool = false,
        synchronous: Synchronous = .full,
        busyTimeout: Duration = .seconds(5)
    ) {
        self.create = create
        self.queryOnly = queryOnly
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
    }
}
