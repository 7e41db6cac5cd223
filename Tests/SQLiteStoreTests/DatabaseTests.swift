import Foundation
import Logging
import SQLiteStore
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// The writer, the readers and group commit.
@Suite struct DatabaseTests {
    /// A connection shared by test tasks, one at a time.
    final class Observer: Sendable {
        let connection: Mutex<Connection>
        init(_ connection: consuming sending Connection) { self.connection = Mutex(connection) }
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    struct Failure: Error, Equatable {
        let index: Int
    }

    @discardableResult
    func withItemsTable<T>(
        configuration: DatabaseConfiguration = DatabaseConfiguration(synchronous: .normal),
        _ body: (Database) async throws -> T
    ) async throws -> T {
        try await withEmptyDatabase(configuration: configuration) { database in
            try await database.write { connection in
                try connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT")
            }
            return try await body(database)
        }
    }

    func names(in database: Database) async throws -> [String] {
        try await database.read { connection in
            try connection.query("SELECT name FROM items ORDER BY id") { $0.text(0) }
        }
    }

    @Test func writeCommitsAndReadSeesIt() async throws {
        try await withItemsTable { database in
            let id = try await database.write { connection in
                try connection.execute("INSERT INTO items (name) VALUES ('a')")
                return connection.lastInsertRowID
            }
            #expect(id == 1)
            #expect(try await names(in: database) == ["a"])
        }
    }

    @Test func writeThatThrowsLeavesNothingBehind() async throws {
        try await withItemsTable { database in
            await #expect(throws: Failure.self) {
                try await database.write { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ('a')")
                    try connection.execute("INSERT INTO items (name) VALUES ('b')")
                    throw Failure(index: 0)
                }
            }
            let remaining = try await names(in: database)
            #expect(remaining.isEmpty)
        }
    }

    /// What a write may have to put back (a job's savepoint, a statement
    /// that may fail halfway) is journaled in memory on the writer
    /// (`temp_store` 2): SQLite's default spills it to a temporary file past
    /// 64 KiB, and then writes every page a job changes there as well as to
    /// the WAL. The readers keep SQLite's default (0). (That nothing is
    /// written to such a file was seen with `strace`, README, Performance: a
    /// test cannot tell this database's temporary files from those of the
    /// other tests running beside it.)
    @Test func theWriterJournalsInMemoryAndTheReadersAsSQLiteDoes() async throws {
        try await withEmptyDatabase(configuration: DatabaseConfiguration(synchronous: .normal)) { database in
            let writer = try await database.write { try $0.queryFirst("PRAGMA temp_store") { $0.int(0) } }
            let reader = try await database.read { try $0.queryFirst("PRAGMA temp_store") { $0.int(0) } }
            #expect(writer == 2)
            #expect(reader == 0)
        }
    }

    @Test func readsRefuseToWrite() async throws {
        try await withItemsTable { database in
            await #expect(throws: SQLiteError.self) {
                try await database.read { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ('a')")
                }
            }
        }
    }

    /// Holds the writer with a write of `sql` that waits for the gate, runs
    /// `body` meanwhile (what it writes queues up behind), then opens the
    /// gate and waits for the held write.
    func whileTheWriterIsHeld(_ database: Database, then sql: String, _ body: () async throws -> Void) async throws {
        let gate = DispatchSemaphore(value: 0)
        let entered = Counter()
        let blocker = Task {
            try await database.write { connection in
                entered.value.add(1, ordering: .sequentiallyConsistent)
                gate.wait()
                try connection.execute(sql)
            }
        }
        while entered.value.load(ordering: .sequentiallyConsistent) == 0 { await Task.yield() }
        do {
            try await body()
        } catch {
            gate.signal()
            throw error
        }
        gate.signal()
        try await blocker.value
    }

    @Test func sixtyFourConcurrentWritersAllLand() async throws {
        // Full durability, as the services run: no busy error may surface.
        try await withItemsTable(configuration: DatabaseConfiguration(synchronous: .full)) { database in
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await database.write { connection in
                            try connection.execute("INSERT INTO items (name) VALUES (?)", [.text("item \(index)")])
                            return connection.lastInsertRowID
                        }
                    }
                }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(ids.count == 64)
            #expect(Set(try await names(in: database)) == Set((0..<64).map { "item \($0)" }))
        }
    }

    @Test func groupCommitGivesEachCallerItsOwnResult() async throws {
        // Writers race; every third violates UNIQUE on purpose, every fifth
        // throws its own error after writing. Each must get exactly its own
        // outcome, and only the successful ones may leave rows.
        try await withItemsTable { database in
            try await database.write { connection in
                for index in stride(from: 0, to: 300, by: 3) {
                    try connection.execute("INSERT INTO items (name) VALUES (?)", [.text("taken \(index)")])
                }
            }
            let outcomes = await withTaskGroup(of: (Int, Result<Int64, any Error>).self) { group in
                for index in 0..<300 {
                    group.addTask {
                        do {
                            let id = try await database.write { connection -> Int64 in
                                let name = index % 3 == 0 ? "taken \(index)" : "new \(index)"
                                try connection.execute("INSERT INTO items (name) VALUES (?)", [.text(name)])
                                if index % 5 == 0 { throw Failure(index: index) }
                                return connection.lastInsertRowID
                            }
                            return (index, .success(id))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<Int64, any Error>]()) { $0[$1.0] = $1.1 }
            }
            var expected: Set<String> = Set(stride(from: 0, to: 300, by: 3).map { "taken \($0)" })
            var ids: Set<Int64> = []
            for (index, outcome) in outcomes {
                switch (index % 3 == 0, index % 5 == 0, outcome) {
                case (true, _, .failure(let error)):
                    #expect(ResultCode.constraintUnique ~= error, "writer \(index)")
                case (false, true, .failure(let error)):
                    #expect(error as? Failure == Failure(index: index), "writer \(index)")
                case (false, false, .success(let id)):
                    expected.insert("new \(index)")
                    ids.insert(id)
                default:
                    Issue.record("writer \(index) got \(outcome)")
                }
            }
            #expect(ids.count == expected.count - 100)
            let stored = try await database.read { connection in
                try connection.query("SELECT id, name FROM items") { ($0.int64(0), $0.text(1)) }
            }
            #expect(Set(stored.map(\.1)) == expected)
            // Each caller's id is the row holding its own name.
            let idsByName = Dictionary(uniqueKeysWithValues: stored.map { ($0.1, $0.0) })
            for (index, outcome) in outcomes {
                if case .success(let id) = outcome { #expect(idsByName["new \(index)"] == id) }
            }
        }
    }

    /// A batch in which no job fails runs without savepoints. FTS5 shows it:
    /// it writes out what it holds in memory at every savepoint, so with a
    /// savepoint per job the batch's 20 documents made a segment each (21
    /// with the held write's), and without, one between them. The bound
    /// leaves room for a write that reached the queue late.
    @Test(.timeLimit(.minutes(1))) func aBatchWithoutFailuresWritesOneSearchIndexSegment() async throws {
        try await withEmptyDatabase(configuration: DatabaseConfiguration(synchronous: .normal)) { database in
            try await database.write { connection in
                try connection.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
                // No merging behind the test's back: each segment stays.
                try connection.execute("INSERT INTO notes (notes, rank) VALUES ('automerge', 0)")
                try connection.execute("INSERT INTO notes (notes, rank) VALUES ('crisismerge', 1000)")
            }
            func segments() async throws -> Int {
                // A row for the averages, one for the structure, and one
                // leaf per segment this small.
                try await database.read { try $0.queryFirst("SELECT count(*) - 2 FROM notes_data") { $0.int(0) } ?? -1 }
            }
            let queued = Counter()
            var writes: [Task<Void, any Error>] = []
            try await whileTheWriterIsHeld(database, then: "INSERT INTO notes (body) VALUES ('first')") {
                for index in 0..<20 {
                    writes.append(
                        Task {
                            queued.value.add(1, ordering: .sequentiallyConsistent)
                            try await database.write { connection in
                                try connection.execute("INSERT INTO notes (body) VALUES (?)", [.text("note number \(index)")])
                            }
                        })
                }
                while queued.value.load(ordering: .sequentiallyConsistent) < 20 { await Task.yield() }
                // Long enough for the last to reach the queue.
                try await Task.sleep(for: .milliseconds(100))
            }
            for write in writes { try await write.value }
            #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM notes") { $0.int(0) } } == 21)
            let segmentCount = try await segments()
            #expect(segmentCount <= 5)
        }
    }

    @Test func noCallerIsAnsweredBeforeTheCommitHoldingItsWrite() async throws {
        // When a writer's answer arrives, a separate connection (another
        // process, in effect) must already see its row.
        try await withItemsTable { database in
            let observer = Observer(try Connection(path: database.path, options: ConnectionOptions(create: false, queryOnly: true)))
            defer { observer.connection.withLock { $0.close() } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        _ = try await database.write { connection in
                            try connection.execute("INSERT INTO items (name) VALUES (?)", [.text("w\(index)")])
                        }
                        let visible = try observer.connection.withLock { connection in
                            try connection.queryFirst("SELECT count(*) FROM items WHERE name = ?", [.text("w\(index)")]) { $0.int(0) }
                        }
                        #expect(visible == 1, "writer \(index) was answered before its commit")
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func readsRunInParallelWithEachOther() async throws {
        // Two reads that each wait for the other can only both finish if
        // they run at the same time, on different connections.
        try await withItemsTable(configuration: DatabaseConfiguration(synchronous: .normal, readers: 2)) { database in
            let counter = Counter()
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await database.read { connection in
                            _ = try connection.queryFirst("SELECT count(*) FROM items") { $0.int(0) }
                            counter.value.add(1, ordering: .sequentiallyConsistent)
                            let deadline = ContinuousClock.now + .seconds(5)
                            while counter.value.load(ordering: .sequentiallyConsistent) < 2 && ContinuousClock.now < deadline {}
                            return counter.value.load(ordering: .sequentiallyConsistent) == 2
                        }
                    }
                }
                for try await sawTheOther in group { #expect(sawTheOther) }
            }
        }
    }

    @Test func aClosedDatabaseRefusesWork() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await Database.open(path: directory.file("closed.db"))
            await database.close()
            do {
                _ = try await database.read { _ in 1 }
                Issue.record("expected a refusal")
            } catch ResultCode.misuse {
            }
        }
    }

    // MARK: Cancellation and shutdown

    /// A query that never ends on its own: it counts an endless sequence.
    static let endlessQuery = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"

    @Test(.timeLimit(.minutes(1))) func aCancelledReadIsInterrupted() async throws {
        try await withItemsTable { database in
            let started = Counter()
            let read = Task {
                try await database.read { connection -> Int in
                    started.value.add(1, ordering: .sequentiallyConsistent)
                    return try connection.queryFirst(Self.endlessQuery) { $0.int(0) } ?? 0
                }
            }
            while started.value.load(ordering: .sequentiallyConsistent) == 0 { await Task.yield() }
            read.cancel()
            await #expect(throws: CancellationError.self) { try await read.value }
            // The reader is free again.
            let remaining = try await names(in: database)
            #expect(remaining == [])
        }
    }

    @Test(.timeLimit(.minutes(1))) func workWhoseCallerWentAwayWhileItWaitedNeverRuns() async throws {
        try await withItemsTable { database in
            try await whileTheWriterIsHeld(database, then: "INSERT INTO items (name) VALUES ('first')") {
                let waiting = Task {
                    try await database.write { connection in try connection.execute("INSERT INTO items (name) VALUES ('cancelled')") }
                }
                waiting.cancel()
                await #expect(throws: CancellationError.self) { try await waiting.value }
            }
            let stored = try await names(in: database)
            #expect(stored == ["first"])
        }
    }

    @Test(.timeLimit(.minutes(1))) func closingInterruptsAReadStillRunning() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await Database.open(path: directory.file("closing.db"))
            let started = Counter()
            let read = Task {
                try await database.read { connection -> Int in
                    started.value.add(1, ordering: .sequentiallyConsistent)
                    return try connection.queryFirst(Self.endlessQuery) { $0.int(0) } ?? 0
                }
            }
            while started.value.load(ordering: .sequentiallyConsistent) == 0 { await Task.yield() }
            await database.close()
            do {
                _ = try await read.value
                Issue.record("the endless read returned")
            } catch ResultCode.interrupt {
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func asAServiceItClosesWhenItsGroupShutsDown() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await Database.open(path: directory.file("service.db"))
            let group = ServiceGroup(services: [database], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let running = Task { try await group.run() }
            _ = try await database.read { _ in 1 }
            await group.triggerGracefulShutdown()
            try await running.value
            do {
                _ = try await database.read { _ in 1 }
                Issue.record("the database still answers after the shutdown")
            } catch ResultCode.misuse {
            }
        }
    }

    /// What opening and checking `path` throws, if anything.
    func refusal(of path: String) async -> SQLiteError? {
        do {
            let database = try await Database.open(path: path)
            var refusal: SQLiteError?
            do { try await database.checkIntegrity() } catch let error as SQLiteError { refusal = error } catch {}
            await database.close()
            return refusal
        } catch {
            return error as? SQLiteError
        }
    }

    enum Damage: String, CaseIterable, Sendable {
        case truncated, overwrittenPages
    }

    @Test(arguments: Damage.allCases)
    func aDamagedFileIsRefusedAsCorrupt(damage: Damage) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("damaged.db")
            let database = try await Database.open(path: path)
            try await database.write { connection in
                try connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT")
                for index in 0..<2_000 {
                    try connection.execute("INSERT INTO items (name) VALUES (?)", [.text(String(repeating: "x", count: 100) + "\(index)")])
                }
            }
            try await database.checkIntegrity()
            await database.close()
            #expect(await refusal(of: path) == nil)

            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            switch damage {
            case .truncated:
                // As a copy that stopped half way leaves it: SQLite itself refuses at open.
                try handle.truncate(atOffset: try handle.seekToEnd() / 2)
            case .overwrittenPages:
                // Pages in the middle gone bad: only reading them finds it, which the check does.
                try handle.seek(toOffset: 10 * 4096)
                try handle.write(contentsOf: Data(repeating: 0xFF, count: 2 * 4096))
            }
            try handle.close()
            #expect(await refusal(of: path)?.code == .corrupt)
        }
    }
}
