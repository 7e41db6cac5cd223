public import Foundation
public import Identity
import JWTKit
public import ServiceKit
import Synchronization

/// Signs access tokens with the current signing key, which it reads from
/// the database again every ten seconds at most: a key rotated by
/// `bugtracker admin rotate-signing-key` signs within ten seconds, without
/// a restart. Also the users service's own `VerificationKeySource`.
public final class TokenIssuer: VerificationKeySource {
    private struct Signer {
        let kid: String
        let collection: JWTKeyCollection
        let readAt: ContinuousClock.Instant
    }

    private struct Published {
        let keys: [String: PublishedKey]
        let readAt: ContinuousClock.Instant
    }

    private let keys: any SigningKeyRepository
    /// How long a token is valid (`--token-ttl`).
    public let lifetime: Duration
    private let rereadInterval: Duration
    private let signer = Mutex<Signer?>(nil)
    private let published = Mutex<Published?>(nil)

    public init(keys: any SigningKeyRepository, lifetime: Duration, rereadInterval: Duration = .seconds(10)) {
        self.keys = keys
        self.lifetime = lifetime
        self.rereadInterval = rereadInterval
    }

    /// A token for `user`, and how many seconds it is valid.
    public func issue(for user: Caller.SignedInUser, now: Date = Date()) async throws -> (token: String, expiresIn: Int) {
        let signer = try await currentSigner()
        let claims = AccessTokenClaims(user: user, issuedAt: now, lifetime: lifetime)
        let token = try await signer.collection.sign(claims, kid: JWKIdentifier(string: signer.kid))
        return (token, Int(lifetime.components.seconds))
    }

    private func currentSigner() async throws -> Signer {
        let now = ContinuousClock.now
        if let signer = signer.withLock({ $0 }), now - signer.readAt < rereadInterval { return signer }
        let key = try await keys.ensureCurrent(at: .now())
        if let signer = signer.withLock({ $0 }), signer.kid == key.kid {
            let reread = Signer(kid: signer.kid, collection: signer.collection, readAt: now)
            self.signer.withLock { $0 = reread }
            return reread
        }
        let collection = JWTKeyCollection()
        await collection.add(eddsa: try key.eddsaPrivateKey(), kid: JWKIdentifier(string: key.kid))
        let made = Signer(kid: key.kid, collection: collection, readAt: now)
        self.signer.withLock { $0 = made }
        return made
    }

    /// The keys the JWKS publishes now.
    public func publishedKeys() async throws -> [PublishedKey] {
        try await keys.published(at: .now(), tokenLifetime: lifetime)
    }

    public func keys(refresh: Bool) async throws -> [String: PublishedKey] {
        let now = ContinuousClock.now
        if let kept = published.withLock({ $0 }), now - kept.readAt < (refresh ? .seconds(1) : rereadInterval) { return kept.keys }
        var read: [String: PublishedKey] = [:]
        for key in try await publishedKeys() { read[key.kid] = key }
        published.withLock { $0 = Published(keys: read, readAt: now) }
        return read
    }
}
