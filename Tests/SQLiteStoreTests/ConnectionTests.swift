import Foundation
import SQLiteStore
import TestSupport
import Testing

/// The C boundary: every storage class bound and read back exactly.
@Suite struct ConnectionTests {
    /// A connection on a scratch table in a fresh file, closed afterwards.
    func withScratchTable(_ body: (Connection) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Connection(path: directory.file("scratch.db"))
            defer { connection.close() }
            try connection.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, value ANY) STRICT")
            try body(connection)
        }
    }

    func roundTrip(_ value: SQLiteValue, on connection: Connection) throws -> SQLiteValue? {
        try connection.execute("DELETE FROM scratch")
        try connection.execute("INSERT INTO scratch (id, value) VALUES (1, ?)", [value])
        return try connection.queryFirst("SELECT value FROM scratch WHERE id = 1") { $0.value(0) }
    }

    @Test func everyStorageClassRoundTrips() async throws {
        try await withScratchTable { connection in
            let values: [SQLiteValue] = [
                .integer(0), .integer(42), .integer(Int64.max), .integer(Int64.min),
                .real(3.25), .real(-0.5), .real(Double.greatestFiniteMagnitude),
                .text(""), .text("plain"), .text("ünïcødé 🐛 漢字"), .text("embedded\u{0}NUL"),
                .blob([]), .blob([0, 1, 2, 255]),
                .null,
            ]
            for value in values {
                let read = try roundTrip(value, on: connection)
                #expect(read == value)
            }
        }
    }

    /// SQLite prepares the first statement of a text and leaves the rest:
    /// a second statement is refused, not dropped without a word.
    @Test func aSecondStatementIsRefusedNotDropped() async throws {
        try await withScratchTable { connection in
            #expect(throws: SQLiteError.self) {
                try connection.execute("INSERT INTO scratch (id, value) VALUES (1, 'a'); INSERT INTO scratch (id, value) VALUES (2, 'b')")
            }
            #expect(throws: SQLiteError.self) { try connection.query("SELECT 1; SELECT 2") { $0.int(0) } }
            #expect(try connection.queryFirst("SELECT count(*) FROM scratch") { $0.int(0) } == 0, "nothing ran")
            // A trailing semicolon, white space or comment is no statement.
            try connection.execute("INSERT INTO scratch (id, value) VALUES (3, 'c'); -- the third\n ;  ")
            try connection.executeScript("INSERT INTO scratch (id, value) VALUES (4, 'd'); INSERT INTO scratch (id, value) VALUES (5, 'e')")
            #expect(try connection.query("SELECT id FROM scratch ORDER BY id") { $0.int(0) } == [3, 4, 5])
        }
    }

    @Test func emptyTextIsNotNull() async throws {
        try await withScratchTable { connection in
            try connection.execute("INSERT INTO scratch (id, value) VALUES (1, ?), (2, ?)", [.text(""), .null])
            let nulls = try connection.query("SELECT value IS NULL FROM scratch ORDER BY id") { $0.int(0) }
            #expect(nulls == [0, 1])
            let texts = try connection.query("SELECT value FROM scratch ORDER BY id") { $0.optionalText(0) }
            #expect(texts == ["", nil])
        }
    }

    @Test func textWithEmbeddedNULKeepsEveryByte() async throws {
        try await withScratchTable { connection in
            let text = "a\u{0}b\u{0}\u{0}c"
            try connection.execute("INSERT INTO scratch (id, value) VALUES (1, ?)", [.text(text)])
            let (read, length) = try #require(
                try connection.queryFirst("SELECT value, length(CAST(value AS BLOB)) FROM scratch") { ($0.text(0), $0.int(1)) }
            )
            #expect(read == text)
            #expect(length == 6)
        }
    }

    @Test func oneMebibyteBlobRoundTrips() async throws {
        try await withScratchTable { connection in
            var generator = SystemRandomNumberGenerator()
            let blob = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let read = try roundTrip(.blob(blob), on: connection)
            #expect(read == .blob(blob))
        }
    }

    @Test func typedReadsByIndexAndByName() async throws {
        try await withScratchTable { connection in
            let row = try #require(
                try connection.queryFirst(
                    "SELECT ? AS i, ? AS r, ? AS t, ? AS b, ? AS n",
                    [.integer(7), .real(1.5), .text("x"), .blob([9]), .null]
                ) { row in
                    (
                        try row.int64("i"), row.int(0), try row.double("r"), try row.text("t"), try row.blob("b"),
                        try row.optionalText("n"), try row.isNull("n"), try row.optionalInt64("i")
                    )
                }
            )
            #expect(row.0 == 7 && row.1 == 7 && row.2 == 1.5 && row.3 == "x" && row.4 == [9])
            #expect(row.5 == nil && row.6 && row.7 == 7)
        }
    }

    @Test func namesFindTheirColumnsInAnyOrderOnEveryRow() async throws {
        try await withScratchTable { connection in
            for id in 1...3 {
                try connection.execute("INSERT INTO scratch (id, value) VALUES (?, ?)", [.integer(Int64(id)), .text("v\(id)")])
            }
            // `a` twice: by name, the first of them, as a dictionary of names would have it.
            let sql = "SELECT id AS a, value AS b, id * 10 AS a, id * 100 AS c FROM scratch ORDER BY id"
            let inOrder = try connection.query(sql) { row in
                (try row.int("a"), try row.text("b"), try row.int("a"), try row.int("c"))
            }
            #expect(inOrder.map(\.0) == [1, 2, 3] && inOrder.map(\.1) == ["v1", "v2", "v3"])
            #expect(inOrder.map(\.2) == [1, 2, 3] && inOrder.map(\.3) == [100, 200, 300])
            let mixed = try connection.query(sql) { row in
                (try row.int("c"), try row.text("b"), try row.int("a"), try row.int("c"), row.int(2))
            }
            #expect(mixed.map(\.0) == [100, 200, 300] && mixed.map(\.1) == ["v1", "v2", "v3"])
            #expect(mixed.map(\.2) == [1, 2, 3] && mixed.map(\.3) == [100, 200, 300] && mixed.map(\.4) == [10, 20, 30])
            #expect(throws: SQLiteError.self) { _ = try connection.query(sql) { row in [try row.int("a"), try row.int("d")] } }
        }
    }

    @Test func unknownColumnNameIsAnError() async throws {
        try await withScratchTable { connection in
            #expect(throws: SQLiteError.self) {
                _ = try connection.queryFirst("SELECT 1 AS one") { try $0.int("two") }
            }
        }
    }

    @Test func wrongArgumentCountIsAnError() async throws {
        try await withScratchTable { connection in
            do {
                try connection.execute("INSERT INTO scratch (id, value) VALUES (?, ?)", [.integer(1)])
                Issue.record("expected an error")
            } catch ResultCode.range {
            }
        }
    }

    @Test func cachedStatementsAreReusedAndReset() async throws {
        try await withScratchTable { connection in
            let first = try connection.cachedStatement("SELECT count(*) FROM scratch")
            let second = try connection.cachedStatement("SELECT count(*) FROM scratch")
            #expect(first === second)
            for id in 1...3 {
                try connection.execute("INSERT INTO scratch (id, value) VALUES (?, ?)", [.integer(Int64(id)), .text("v")])
            }
            #expect(try connection.queryFirst("SELECT count(*) FROM scratch") { $0.int(0) } == 3)
        }
    }

    @Test func transactionRollsBackOnThrow() async throws {
        struct Failure: Error {}
        try await withScratchTable { connection in
            #expect(throws: Failure.self) {
                try connection.transaction {
                    try connection.execute("INSERT INTO scratch (id, value) VALUES (1, 'x')")
                    throw Failure()
                }
            }
            #expect(!connection.isInTransaction)
            let count = try connection.queryFirst("SELECT count(*) FROM scratch") { $0.int(0) }
            #expect(count == 0)
        }
    }

    @Test func wellKnownPragmasAreSet() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Connection(
                path: directory.file("p.db"),
                options: ConnectionOptions(synchronous: .full, busyTimeout: .milliseconds(1234))
            )
            defer { connection.close() }
            #expect(try connection.queryFirst("PRAGMA journal_mode") { $0.text(0) } == "wal")
            #expect(try connection.queryFirst("PRAGMA foreign_keys") { $0.int(0) } == 1)
            #expect(try connection.queryFirst("PRAGMA synchronous") { $0.int(0) } == 2)
            #expect(try connection.queryFirst("PRAGMA busy_timeout") { $0.int(0) } == 1234)
        }
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAtOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("garbage.db")
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Connection(path: path)
                Issue.record("expected the open to fail")
            } catch ResultCode.notADatabase {
            }
        }
    }

    @Test func aMissingFileIsNotCreatedWhenToldNotTo() async throws {
        try await withTemporaryDirectory { directory in
            do {
                _ = try Connection(path: directory.file("absent.db"), options: ConnectionOptions(create: false))
                Issue.record("expected the open to fail")
            } catch ResultCode.cantOpen {
            }
            #expect(!FileManager.default.fileExists(atPath: directory.file("absent.db")))
        }
    }
}
