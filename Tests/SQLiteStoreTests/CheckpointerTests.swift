import Foundation
import SQLiteStore
import TestSupport
import Testing

/// The log copied into the database file by the database's own checkpoint
/// thread.
@Suite struct CheckpointerTests {
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
        try await withTemporaryDirectory { directory in
            let path = directory.file("test.db")
            // 20 pages: far below the 1,000 at which SQLite's automatic
            // checkpoint would copy anything, so only the thread can.
            let database = try await Database.open(
                path: path, configuration: DatabaseConfiguration(synchronous: .normal, checkpointPages: 20))
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
                var copied: Int?
                for _ in 0..<200 {
                    copied = rowsInFileAlone(path, scratch: directory)
                    if let copied, copied > 0 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect((copied ?? 0) > 0, "no checkpoint copied the log into the file")
                #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM items") { $0.int(0) } } == 100)
                await database.close()
            } catch {
                await database.close()
                throw error
            }
        }
    }

    @Test func withoutTheThreadSQLiteKeepsTheLogBelowItsThreshold() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("test.db")
            let database = try await Database.open(
                path: path, configuration: DatabaseConfiguration(synchronous: .normal, checkpointPages: nil))
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
                // About 100 pages of log: below SQLite's own 1,000, so the
                // file alone does not have the table yet.
                #expect(rowsInFileAlone(path, scratch: directory) == nil)
                await database.close()
            } catch {
                await database.close()
                throw error
            }
        }
    }
}
