/// How a `Database` opens its file and serves work.
public struct DatabaseConfiguration: Sendable {
    /// Durability of commits. `.full` (the default) fsyncs every commit, and
    /// group commit shares that fsync among the writes that arrive together.
    public var synchronous: Synchronous
    /// How long a statement waits for another process's lock.
    public var busyTimeout: Duration
    /// Read connections, each on its own thread.
    public var readers: Int
    /// The most write transactions joined into one commit. 1 turns group
    /// commit off: every write then commits on its own.
    public var maxBatchSize: Int
    /// Create the file when it does not exist.
    public var create: Bool

    public init(
        synchronous: Synchronous = .full,
        busyTimeout: Duration = .seconds(5),
        readers: Int = 2,
        maxBatchSize: Int = 256,
        create: Bool = true
    ) {
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
        self.readers = max(1, readers)
        self.maxBatchSize = max(1, maxBatchSize)
        self.create = create
    }
}
