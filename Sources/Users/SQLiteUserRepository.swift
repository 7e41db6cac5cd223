public import Outbox
public import SQLiteStore
public import ServiceKit

/// Users in the `users` table of the users service's database.
public struct SQLiteUserRepository: UserRepository {
    private let database: Database
    private let outbox: SQLiteOutboxRepository

    /// `outbox` must be over the same database: mails are written in the
    /// user's own transaction.
    public init(database: Database, outbox: SQLiteOutboxRepository) {
        self.database = database
        self.outbox = outbox
    }

    private static let columns = "id, email, name, created_at"

    private static func user(_ row: Row) throws -> User {
        User(
            id: try row.int64("id"), email: try row.text("email"), name: try row.optionalText("name"),
            createdAt: try row.timestamp("created_at")
        )
    }

    public func create(_ user: NewUser, mails: @escaping @Sendable (User) -> [MailDraft]) async throws -> User {
        let now = Timestamp.now()
        return try await outbox.write(at: now) { connection, outbox in
            do {
                try connection.execute(
                    "INSERT INTO users (email, email_key, name, created_at) VALUES (?, ?, ?, ?)",
                    [.text(user.email), .text(user.emailKey), SQLiteValue(user.name), now.sqliteValue]
                )
            } catch ResultCode.constraintUnique {
                throw UserRepositoryError.emailTaken(user.email)
            }
            let created = User(id: connection.lastInsertRowID, email: user.email, name: user.name, createdAt: now)
            try outbox.append(contentsOf: mails(created))
            return created
        }
    }

    public func get(id: Int64) async throws -> User? {
        try await database.read { connection in
            try connection.queryFirst("SELECT \(Self.columns) FROM users WHERE id = ?", [.integer(id)], Self.user)
        }
    }

    public func find(email: String) async throws -> User? {
        let key = EmailAddress.key(TextRules.trimmed(email))
        return try await database.read { connection in
            try connection.queryFirst("SELECT \(Self.columns) FROM users WHERE email_key = ?", [.text(key)], Self.user)
        }
    }

    public func list(after id: Int64, limit: Int) async throws -> Page<User> {
        let rows = try await database.read { connection in
            try connection.query(
                "SELECT \(Self.columns) FROM users WHERE id > ? ORDER BY id LIMIT ?",
                [.integer(id), .integer(Int64(limit) + 1)],
                Self.user
            )
        }
        return Page(fetched: rows, limit: limit, id: \.id)
    }
}
