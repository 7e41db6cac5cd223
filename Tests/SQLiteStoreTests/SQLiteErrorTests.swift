import SQLiteStore
import TestSupport
import Testing

/// Constraint violations surface as `SQLiteError`s a `catch` can match.
@Suite struct SQLiteErrorTests {
    func withSchema(_ body: (Connection) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Connection(path: directory.file("errors.db"))
            defer { connection.close() }
            try connection.executeScript(
                """
                CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
                CREATE TABLE children (
                    id INTEGER PRIMARY KEY,
                    parent_id INTEGER NOT NULL REFERENCES parents (id),
                    age INTEGER CHECK (age >= 0)
                ) STRICT;
                INSERT INTO parents (id, name) VALUES (1, 'ann');
                """
            )
            try body(connection)
        }
    }

    /// The error `body` throws, which must be a `SQLiteError`.
    func sqliteError(_ body: () throws -> Void) throws -> SQLiteError {
        do {
            try body()
        } catch let error as SQLiteError {
            return error
        }
        Issue.record("expected a SQLiteError")
        return SQLiteError(code: .error, message: "none")
    }

    @Test func uniqueViolation() async throws {
        try await withSchema { connection in
            let error = try sqliteError { try connection.execute("INSERT INTO parents (name) VALUES ('ann')") }
            #expect(error.code == .constraintUnique)
            #expect(ResultCode.constraintUnique ~= error)
            #expect(ResultCode.constraint ~= error)
            #expect(!(ResultCode.constraintForeignKey ~= error))
            #expect(error.sql == "INSERT INTO parents (name) VALUES ('ann')")
            #expect(error.message.contains("UNIQUE constraint failed: parents.name"))
        }
    }

    @Test func foreignKeyViolation() async throws {
        try await withSchema { connection in
            let error = try sqliteError { try connection.execute("INSERT INTO children (parent_id) VALUES (99)") }
            #expect(error.code == .constraintForeignKey)
            #expect(!(ResultCode.constraintUnique ~= error))
        }
    }

    @Test func checkAndNotNullViolations() async throws {
        try await withSchema { connection in
            let check = try sqliteError { try connection.execute("INSERT INTO children (parent_id, age) VALUES (1, -1)") }
            #expect(check.code == .constraintCheck)
            let notNull = try sqliteError { try connection.execute("INSERT INTO parents (name) VALUES (NULL)") }
            #expect(notNull.code == .constraintNotNull)
        }
    }

    @Test func strictTablesRefuseTheWrongType() async throws {
        try await withSchema { connection in
            let error = try sqliteError { try connection.execute("INSERT INTO children (parent_id, age) VALUES (1, 'old')") }
            #expect(ResultCode.constraint ~= error)
        }
    }

    @Test func syntaxErrorsCarryTheSQL() async throws {
        try await withSchema { connection in
            let error = try sqliteError { _ = try connection.prepare("SELEC 1") }
            #expect(error.code == .error)
            #expect(error.sql == "SELEC 1")
            #expect(error.description.contains("syntax error"))
        }
    }

    @Test func catchClausesMatchByCode() async throws {
        try await withSchema { connection in
            var matched = ""
            do {
                try connection.execute("INSERT INTO parents (name) VALUES ('ann')")
            } catch ResultCode.constraintForeignKey {
                matched = "foreign key"
            } catch ResultCode.constraintUnique {
                matched = "unique"
            }
            #expect(matched == "unique")
        }
    }
}
