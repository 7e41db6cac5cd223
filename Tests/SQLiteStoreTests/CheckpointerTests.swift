import Foundation
import SQLiteStore
import TestSupport
import Testing

/// The log copied into the database file by the database's own checkpoint
/// thread.
@Suite struct CheckpointerTests {
    /// Opens a database with `checkpointPages`, commits a table and 100 rows
    /// of 1,000 bytes one write at a time (about 100 pages of log: far below
    /// the 1,000 at which SQLite's automatic checkpoint copies anything),
    /// then runs `check` with the database and its file's path.
    func afterHundredWrites(
        checkpointPages: Int?, _ check: (Database, String, TemporaryDirectory) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("test.db")
            let database = try await Database.open(
                path: path, configuration: DatabaseConfiguration(synchronous: .normal, checkpointPages: checkpointPages))
            do {
                try await database.write { connection in
                    try connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT")
                }
                let body = String(repeating: "x", count: 1_000)
                for _ in 0..<100 {
                    try await database.write { connection in
                        try connection.execute("INSERT INTO items (body) VALUES (?)", [.text(body)])
                    }
                }
                try await check(database, path, directory)
                await database.close()
            } catch {
                await database.close()
                throw error
            }
        }
    }

    /// The rows of `items` in the database file alone, without its log: what
    /// checkpoints have copied there. Read from a copy of the file, since a
    /// connection to the file itself would read the log too. Nil while the
    /// copy is unreadable (the table not there yet, or a page caught mid-copy).
    func rowsInFileAlone(_ path: String, scratch: TemporaryDirectory) -> Int? {
        let copy = scratch.file("copy-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        do {
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let connection = try Connection(path: copy, options: ConnectionOptions(create: false))
            defer { connection.close() }
            return try connection.queryFirst("SELECT count(*) FROM items") { $0.int(0) }
        } catch {
            return nil
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theLogReachesTheFileWithoutTheWriterCheckpointing() async throws {
        try await afterHundredWrites(checkpointPages: 20) { database, path, directory in
            var copied: Int?
            for _ in 0..<200 {
                copied = rowsInFileAlone(path, scratch: directory)
                if let copied, copied > 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect((copied ?? 0) > 0, "no checkpoint copied the log into the file")
            #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM items") { $0.int(0) } } == 100)
        }
    }

    /// The check above can fail: without the thread, nothing reaches the
    /// file at this size of log.
    @Test func withoutTheThreadSQLiteKeepsTheLogBelowItsThreshold() async throws {
        try await afterHundredWrites(checkpointPages: nil) { _, path, directory in
            #expect(rowsInFileAlone(path, scratch: directory) == nil)
        }
    }
}
