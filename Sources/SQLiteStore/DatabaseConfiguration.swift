import Foundation

/// How a `Database` opens its file and serves work.
public struct DatabaseConfiguration: Sendable {
    /// Durability of commits. `.full` (the default) fsyncs every commit, and
    /// group commit shares that fsync among the writes that arrive together.
    public var synchronous: Synchronous
    /// How long a statement waits for another process's lock.
    public var busyTimeout: Duration
    /// Read connections, each on its own thread. By default half the
    /// processors (at least one): more reader threads than that only contend
    /// with the HTTP threads for the cores (measured: on 2 cores, one reader
    /// serves 15-18k point reads/s, two serve 13k).
    public var readers: Int
    /// The most write transactions joined into one commit. 1 turns group
    /// commit off: every write then commits on its own.
    public var maxBatchSize: Int
    /// Create the file when it does not exist.
    public var create: Bool
    /// The log size, in pages, at which a thread of the database's own copies
    /// the log into the file (`Checkpointer`), beside the writer rather than
    /// inside one of its commits. Nil leaves it to SQLite's automatic
    /// checkpoint, which runs inside the commit that takes the log past
    /// 1,000 pages.
    public var checkpointPages: Int?

    /// Half the processors, at least one.
    public static var defaultReaders: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }

    public init(
        synchronous: Synchronous = .full,
        busyTimeout: Duration = .seconds(5),
        readers: Int = DatabaseConfiguration.defaultReaders,
        maxBatchSize: Int = 256,
        create: Bool = true,
        checkpointPages: Int? = 1000
    ) {
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
        self.readers = max(1, readers)
        self.maxBatchSize = max(1, maxBatchSize)
        self.create = create
        self.checkpointPages = checkpointPages.map { max(1, $0) }
    }
}
