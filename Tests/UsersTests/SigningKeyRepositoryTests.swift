import Foundation
import Identity
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import Users

/// The keys access tokens are signed with, in `users.db`.
@Suite struct SigningKeyRepositoryTests {
    @Test func theFirstKeyIsMadeOnceAndRotationRetiresIt() async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let keys = SQLiteSigningKeyRepository(database: database)
            let clock = TestClock()
            let first = try await keys.ensureCurrent(at: clock.now())
            #expect(try await keys.ensureCurrent(at: clock.now()).kid == first.kid)
            let second = try await keys.rotate(at: clock.now())
            #expect(second.kid != first.kid)
            #expect(try await keys.current()?.kid == second.kid)
            // The retired key keeps only its public half.
            let privateHalves = try await database.read { connection in
                try connection.query("SELECT kid, private_key FROM signing_keys ORDER BY created_at") { ($0.text(0), $0.text(1)) }
            }
            #expect(privateHalves.map(\.1.isEmpty) == [true, false])
        }
    }

    @Test func aRetiredKeyIsPublishedUntilTheTokensItSignedHaveExpired() async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let keys = SQLiteSigningKeyRepository(database: database)
            let start = Timestamp(millisecondsSinceEpoch: 1_795_600_000_000)
            let first = try await keys.ensureCurrent(at: start)
            let rotatedAt = start.adding(.seconds(100))
            let second = try await keys.rotate(at: rotatedAt)
            let hour = Duration.seconds(3600)
            // A token signed just before the rotation lives an hour, plus the leeway.
            let soon = try await keys.published(at: rotatedAt.adding(.seconds(3600)), tokenLifetime: hour)
            #expect(soon.map(\.kid) == [second.kid, first.kid])
            let later = try await keys.published(at: rotatedAt.adding(.seconds(3600 + 61)), tokenLifetime: hour)
            #expect(later.map(\.kid) == [second.kid])
            // What is published verifies what the current key signs.
            let key = try #require(try await keys.current())
            #expect(later.first?.x == key.publicKey)
        }
    }
}
