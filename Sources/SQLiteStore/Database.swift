import Foundation
public import ServiceLifecycle
import Synchronization
import TraceSupport
import Tracing

/// A SQLite database file served by one writer thread and a pool of reader
/// threads, each with its own connection, in WAL mode so reads run in
/// parallel with each other and with the writer; by default a thread of its
/// own copies the log back into the file (`Checkpointer`).
///
/// Every write goes through the single writer. Writes that arrive while a
/// commit is under way are joined into the next transaction, each in its own
/// savepoint, and committed together (`GroupCommit`).
///
/// ```swift
/// let database = try await Database.open(path: "users.db")
/// let id = try await database.write { db in
///     try db.execute("INSERT INTO users(email) VALUES (?)", [.text(email)])
///     return db.lastInsertRowID
/// }
/// await database.close()
/// ```
///
/// A caller that is cancelled while its work waits is answered at once with
/// `CancellationError` and the work is skipped; a read already running is
/// interrupted (`sqlite3_interrupt`). As a ServiceLifecycle `Service`, the
/// database closes when its service group shuts down: put it first in the
/// group, so that it closes after the services that use it have stopped.
public final class Database: Sendable {
    /// The database file.
    public let path: String
    public let configuration: DatabaseConfiguration
    private let writes: JobQueue<any DatabaseJob>
    private let reads: JobQueue<any DatabaseJob>
    private let threads: DispatchGroup
    /// The reads running now, so that `close()` can interrupt them.
    private let runningReads: RunningJobs
    /// Copies the log into the file beside the writer; nil when SQLite's
    /// automatic checkpoint does it inside the writer's commits.
    private let checkpointer: Checkpointer?

    private init(path: String, configuration: DatabaseConfiguration) {
        self.path = path
        self.configuration = configuration
        self.writes = JobQueue()
        self.reads = JobQueue()
        self.threads = DispatchGroup()
        self.runningReads = RunningJobs()
        self.checkpointer = configuration.checkpointPages.map { Checkpointer(pages: $0) }
    }

    /// Opens the database at `path` (creating it unless told not to) and
    /// starts its threads.
    ///
    /// Throws `SQLiteError` when the file cannot be opened or is not SQLite.
    public static func open(path: String, configuration: DatabaseConfiguration = DatabaseConfiguration()) async throws -> Database {
        let database = Database(path: path, configuration: configuration)
        do {
            try await database.start()
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    private func start() async throws {
        let writerOptions = ConnectionOptions(
            create: configuration.create,
            synchronous: configuration.synchronous,
            busyTimeout: configuration.busyTimeout
        )
        let batchLimit = configuration.maxBatchSize
        let (writes, checkpointer) = (self.writes, self.checkpointer)
        // The writer first: it creates the file and turns WAL on, which the
        // readers and the checkpointer rely on.
        try await SQLiteThread.start(
            name: "sqlite-writer",
            exits: threads,
            open: { [path] in
                let connection = try Connection(path: path, options: writerOptions)
                // A group commit's savepoints (when a batch runs again after
                // a failed job) journal every page their job changes. Past
                // 64 KiB SQLite spilled that journal to a file for the rest
                // of the transaction, doubling a comment's writes. Jobs change
                // at most a few hundred pages (prunes go in batches);
                // migrations journal to a file (`Migrator`).
                try connection.execute("PRAGMA temp_store = MEMORY")
                return connection
            },
            serve: { connection in
                checkpointer?.hook(connection)
                Self.serveWrites(writes, on: connection, batchLimit: batchLimit)
                checkpointer?.unhook(connection)
            }
        )
        if let checkpointer {
            var checkpointerOptions = writerOptions
            checkpointerOptions.create = false
            try await SQLiteThread.start(
                name: "sqlite-checkpoint",
                exits: threads,
                open: { [path, checkpointerOptions] in try Connection(path: path, options: checkpointerOptions) },
                serve: { connection in checkpointer.serve(on: connection) }
            )
        }
        var readerOptions = writerOptions
        readerOptions.create = false
        readerOptions.queryOnly = true
        let (reads, running) = (self.reads, self.runningReads)
        for index in 0..<configuration.readers {
            try await SQLiteThread.start(
                name: "sqlite-reader-\(index)",
                exits: threads,
                open: { [path, readerOptions] in try Connection(path: path, options: readerOptions) },
                serve: { connection in Self.serveReads(reads, on: connection, running: running) }
            )
        }
    }

    /// Runs `body` in a write transaction on the writer connection. It
    /// commits when `body` returns and rolls back when it throws; the call
    /// returns after the commit that holds the write.
    ///
    /// `body` may run more than once when SQLite aborts a shared transaction
    /// (a full disk, say), so it must not act outside the database.
    ///
    /// Inside a traced request, the write is a span named `operation` (what
    /// it does, `create bug`, never its SQL), covering the wait for the
    /// writer and the commit.
    public func write<T: Sendable>(
        _ operation: String = "write", _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await Spans.record(operation, kind: .internal, onlyInsideTrace: true) { span in
            if let span {
                span.attributes["db.system"] = "sqlite"
                span.attributes["db.system.name"] = "sqlite"
                span.attributes["db.operation.name"] = operation
                span.attributes["db.namespace"] = (path as NSString).lastPathComponent
            }
            return try await submit(to: writes, exclusive: false, interruptible: false, body)
        }
    }

    /// Runs `body` alone on the writer connection, outside any transaction,
    /// for work that manages its own transactions (migrations).
    public func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await submit(to: writes, exclusive: true, interruptible: false, body)
    }

    /// Runs `body` on one of the reader connections. Each statement reads
    /// one consistent snapshot; wrap several in `connection.transaction(.deferred)`
    /// to read them all from one.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await submit(to: reads, exclusive: false, interruptible: true, body)
    }

    /// Refuses new work, interrupts the reads running now (whoever asked for
    /// them is gone by the time a service closes its database), finishes the
    /// queued work, closes every connection and waits for the threads to
    /// end. Later calls fail with `ResultCode.misuse`.
    public func close() async {
        writes.close()
        reads.close()
        runningReads.cancelAll()
        checkpointer?.close()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            threads.notify(queue: .global()) { done.resume() }
        }
    }

    deinit {
        // Lets the threads finish and close their connections if the owner
        // never called close().
        writes.close()
        reads.close()
        checkpointer?.close()
    }

    private func submit<T: Sendable>(
        to queue: JobQueue<any DatabaseJob>,
        exclusive: Bool,
        interruptible: Bool,
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        let job = ContinuationJob(isExclusive: exclusive, isInterruptible: interruptible, body: body)
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    job.attach(continuation)
                    if !queue.push(job) {
                        job.fail(SQLiteError(code: .misuse, message: "the database \(path) is closed"))
                    }
                }
            } onCancel: {
                job.cancel()
            }
        } catch ResultCode.interrupt where Task.isCancelled {
            throw CancellationError()
        }
    }

    private static func serveWrites(_ queue: JobQueue<any DatabaseJob>, on connection: Connection, batchLimit: Int) {
        // Take everything waiting at once (one lock for many jobs), then
        // commit it in transactions of up to `batchLimit` jobs; exclusive
        // jobs run alone, in their place in the order.
        while let waiting = queue.popBatch(limit: 1024) {
            var start = 0
            while start < waiting.count {
                if waiting[start].isExclusive {
                    runAlone(waiting[start], on: connection)
                    start += 1
                    continue
                }
                var end = start
                while end < waiting.count && end - start < batchLimit && !waiting[end].isExclusive { end += 1 }
                GroupCommit.run(Array(waiting[start..<end]), on: connection)
                start = end
            }
        }
    }

    private static func serveReads(_ queue: JobQueue<any DatabaseJob>, on connection: Connection, running: RunningJobs) {
        while let job = queue.pop() {
            guard job.begin(on: connection) else { continue }
            running.insert(job)
            defer { running.remove(job) }
            do {
                try job.run(on: connection)
                job.succeed()
            } catch {
                connection.rollback()
                job.fail(error)
            }
        }
    }

    private static func runAlone(_ job: any DatabaseJob, on connection: Connection) {
        guard job.begin(on: connection) else { return }
        do {
            try job.run(on: connection)
            job.succeed()
        } catch {
            connection.rollback()
            job.fail(error)
        }
    }
}

extension Database: Service {
    /// Waits for the service group's graceful shutdown (or cancellation),
    /// then closes the database.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

/// The jobs running on reader threads.
final class RunningJobs: Sendable {
    private let jobs = Mutex<[ObjectIdentifier: any DatabaseJob]>([:])

    func insert(_ job: any DatabaseJob) {
        jobs.withLock { $0[ObjectIdentifier(job)] = job }
    }

    func remove(_ job: any DatabaseJob) {
        _ = jobs.withLock { $0.removeValue(forKey: ObjectIdentifier(job)) }
    }

    /// Cancels (so interrupts) every job running now.
    func cancelAll() {
        for job in jobs.withLock({ Array($0.values) }) { job.cancel() }
    }
}
