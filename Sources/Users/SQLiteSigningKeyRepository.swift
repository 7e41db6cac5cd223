public import Identity
public import SQLiteStore
public import ServiceKit

/// Signing keys in the `signing_keys` table of the users database.
public struct SQLiteSigningKeyRepository: SigningKeyRepository {
    private let database: Database

    public init(database: Database) {
        self.database = database
    }

    private static let columns = "kid, public_key, private_key, created_at, retired_at"

    private static func key(_ row: Row) throws -> SigningKey {
        SigningKey(
            kid: try row.text("kid"), publicKey: try row.text("public_key"), privateKey: try row.text("private_key"),
            createdAt: try row.timestamp("created_at"), retiredAt: try row.optionalTimestamp("retired_at")
        )
    }

    private static let currentQuery = "SELECT \(columns) FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1"

    public func current() async throws -> SigningKey? {
        try await database.read { connection in try connection.queryFirst(Self.currentQuery, [], Self.key) }
    }

    public func ensureCurrent(at time: Timestamp) async throws -> SigningKey {
        if let current = try await current() { return current }
        let made = SigningKey.generate(at: time)
        return try await database.write("ensure signing key") { connection in
            // Another process may have made one since we looked.
            if let current = try connection.queryFirst(Self.currentQuery, [], Self.key) { return current }
            try Self.insert(made, on: connection)
            return made
        }
    }

    public func rotate(at time: Timestamp) async throws -> SigningKey {
        let made = SigningKey.generate(at: time)
        return try await database.write("rotate signing key") { connection in
            // A retired key never signs again: only its public half is kept.
            try connection.execute(
                "UPDATE signing_keys SET retired_at = ?, private_key = '' WHERE retired_at IS NULL", [time.sqliteValue])
            try Self.insert(made, on: connection)
            return made
        }
    }

    public func published(at time: Timestamp, tokenLifetime: Duration) async throws -> [PublishedKey] {
        let horizon = time.adding(.zero - tokenLifetime - .seconds(Int64(AccessTokenClaims.leeway)))
        return try await database.read { connection in
            try connection.query(
                "SELECT kid, public_key FROM signing_keys WHERE retired_at IS NULL OR retired_at > ? ORDER BY created_at DESC, kid",
                [horizon.sqliteValue]
            ) { row in PublishedKey(kid: try row.text("kid"), x: try row.text("public_key")) }
        }
    }

    private static func insert(_ key: SigningKey, on connection: Connection) throws {
        try connection.execute(
            "INSERT INTO signing_keys (kid, public_key, private_key, created_at, retired_at) VALUES (?, ?, ?, ?, NULL)",
            [.text(key.kid), .text(key.publicKey), .text(key.privateKey), key.createdAt.sqliteValue]
        )
    }
}
