public import Outbox
public import SQLiteStore
public import ServiceKit

/// Users in the `users` table of the users service's database, with their
/// password hashes and the one-time tokens of `password_tokens`.
public struct SQLiteUserRepository: UserRepository {
    private let database: Database
    private let outbox: SQLiteOutboxRepository

    /// `outbox` must be over the same database: mails are written in the
    /// user's own transaction.
    public init(database: Database, outbox: SQLiteOutboxRepository) {
        self.database = database
        self.outbox = outbox
    }

    private static let columns = "id, email, name, role, created_at"

    private static func user(_ row: Row) throws -> User {
        let id = try row.int64("id")
        guard let role = Caller.Role(rawValue: try row.text("role")) else {
            throw SQLiteError(code: .mismatch, message: "user \(id) has an unknown role")
        }
        return User(
            id: id, email: try row.text("email"), name: try row.optionalText("name"), role: role,
            createdAt: try row.timestamp("created_at")
        )
    }

    public func create(
        _ user: NewUser, passwordHash: String?, token: PasswordToken?, mails: @escaping @Sendable (User) -> [MailDraft]
    ) async throws -> User {
        let now = Timestamp.now()
        return try await outbox.write("create user", at: now) { connection, outbox in
            do {
                try connection.execute(
                    "INSERT INTO users (email, email_key, name, role, password_hash, created_at) VALUES (?, ?, ?, 'member', ?, ?)",
                    [.text(user.email), .text(user.emailKey), SQLiteValue(user.name), SQLiteValue(passwordHash), now.sqliteValue]
                )
            } catch ResultCode.constraintUnique {
                throw UserRepositoryError.emailTaken(user.email)
            }
            let created = User(id: connection.lastInsertRowID, email: user.email, name: user.name, role: .member, createdAt: now)
            if let token { try Self.store(token, for: created.id, on: connection) }
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
        try await credentials(email: email)?.user
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String?)? {
        let key = EmailAddress.key(email)
        return try await database.read { connection in
            try connection.queryFirst("SELECT \(Self.columns), password_hash FROM users WHERE email_key = ?", [.text(key)]) { row in
                (try Self.user(row), try row.optionalText("password_hash"))
            }
        }
    }

    public func passwordHash(id: Int64) async throws -> String? {
        try await database.read { connection in
            try connection.queryFirst("SELECT password_hash FROM users WHERE id = ?", [.integer(id)]) {
                try $0.optionalText("password_hash")
            }
                ?? nil
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

    public func update(id: Int64, changes: UserChanges) async throws -> User? {
        try await database.write("update user") { connection in
            var assignments: [String] = []
            var arguments: [SQLiteValue] = []
            if let name = changes.name {
                assignments.append("name = ?")
                arguments.append(SQLiteValue(name))
            }
            if let hash = changes.passwordHash {
                assignments.append("password_hash = ?")
                arguments.append(.text(hash))
                try Self.spendOutstandingTokens(of: id, at: .now(), on: connection)
            }
            if let role = changes.role {
                assignments.append("role = ?")
                arguments.append(.text(role.rawValue))
            }
            if !assignments.isEmpty {
                try connection.execute("UPDATE users SET \(assignments.joined(separator: ", ")) WHERE id = ?", arguments + [.integer(id)])
            }
            return try connection.queryFirst("SELECT \(Self.columns) FROM users WHERE id = ?", [.integer(id)], Self.user)
        }
    }

    public func issue(_ token: PasswordToken, email: String, mails: @escaping @Sendable (User) -> [MailDraft]) async throws -> Bool {
        let key = EmailAddress.key(email)
        return try await outbox.write("issue password token", at: token.createdAt) { connection, outbox in
            guard let user = try connection.queryFirst("SELECT \(Self.columns) FROM users WHERE email_key = ?", [.text(key)], Self.user)
            else { return false }
            try Self.store(token, for: user.id, on: connection)
            try outbox.append(contentsOf: mails(user))
            return true
        }
    }

    public func redeem(tokenHash: String, at time: Timestamp, passwordHash: String) async throws -> User? {
        try await database.write("redeem password token") { connection in
            // Spent in the statement that checks it: two uses at once find
            // one row to mark, and only the first does.
            guard
                let userID = try connection.queryFirst(
                    "UPDATE password_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id",
                    [time.sqliteValue, .text(tokenHash), time.sqliteValue],
                    { try $0.int64("user_id") }
                )
            else { return nil }
            try Self.spendOutstandingTokens(of: userID, at: time, on: connection)
            try connection.execute("UPDATE users SET password_hash = ? WHERE id = ?", [.text(passwordHash), .integer(userID)])
            return try connection.queryFirst("SELECT \(Self.columns) FROM users WHERE id = ?", [.integer(userID)], Self.user)
        }
    }

    /// Makes the user with `email` an admin; nil when there is none. For
    /// `bugtracker admin grant-admin`, on the database directly.
    public func grantAdmin(email: String) async throws -> User? {
        let key = EmailAddress.key(email)
        return try await database.write("grant admin") { connection in
            try connection.execute("UPDATE users SET role = 'admin' WHERE email_key = ?", [.text(key)])
            return try connection.queryFirst("SELECT \(Self.columns) FROM users WHERE email_key = ?", [.text(key)], Self.user)
        }
    }

    /// A new password makes every other link to set one worthless: an older
    /// reset mail lying in an inbox no longer opens the account.
    private static func spendOutstandingTokens(of userID: Int64, at time: Timestamp, on connection: Connection) throws {
        try connection.execute(
            "UPDATE password_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL", [time.sqliteValue, .integer(userID)])
    }

    private static func store(_ token: PasswordToken, for userID: Int64, on connection: Connection) throws {
        try connection.execute(
            "INSERT INTO password_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [.text(token.hash), .integer(userID), .text(token.purpose.rawValue), token.createdAt.sqliteValue, token.expiresAt.sqliteValue]
        )
    }
}
