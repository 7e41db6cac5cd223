public import Foundation
import JWTKit
public import ServiceKit
import Synchronization

/// Checks access tokens: EdDSA only, a `kid` the users service publishes,
/// a valid signature (jwt-kit), and the contract's claims
/// (`AccessTokenClaims`). Never calls the users service per request: keys
/// come from a `VerificationKeySource`, which keeps them.
///
/// A token that passed is remembered until it expires: a client sends the
/// same token with every request for an hour, and checking its Ed25519
/// signature costs far more than the rest of a request (see the README's
/// benchmarks). Only the exact text that passed is remembered.
public final class TokenVerifier: Sendable {
    private struct Accepted {
        let user: Caller.SignedInUser
        let expiresAt: Date
    }

    private let source: any VerificationKeySource
    /// jwt-kit's keys for the key set last seen, rebuilt when it changes.
    private let collection = Mutex<(keys: [String: PublishedKey], collection: JWTKeyCollection)?>(nil)
    private let accepted = Mutex<[String: Accepted]>([:])
    private let capacity: Int

    /// - Parameter capacity: how many accepted tokens are remembered (10,000);
    ///   when full, the expired ones go, and if that is not enough, all.
    public init(source: any VerificationKeySource, capacity: Int = 10_000) {
        self.source = source
        self.capacity = max(0, capacity)
    }

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    /// The person `token` is for. Throws `TokenRejection` for a token that
    /// is not acceptable, `KeysUnavailable` when it cannot be checked now.
    public func verify(_ token: String, now: Date = Date()) async throws -> Caller.SignedInUser {
        if let known = accepted.withLock({ $0[token] }) {
            guard known.expiresAt.timeIntervalSince(now) > -AccessTokenClaims.leeway else { throw TokenRejection("it has expired") }
            return known.user
        }
        let checked = try await check(token, now: now)
        remember(token, checked)
        return checked.user
    }

    private func remember(_ token: String, _ checked: Accepted) {
        guard capacity > 0 else { return }
        self.accepted.withLock { known in
            if known.count >= capacity {
                let now = Date()
                known = known.filter { $0.value.expiresAt.timeIntervalSince(now) > -AccessTokenClaims.leeway }
                if known.count >= capacity { known.removeAll(keepingCapacity: true) }
            }
            known[token] = checked
        }
    }

    private func check(_ token: String, now: Date) async throws -> Accepted {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes))
        else { throw TokenRejection("it is not a JWT") }
        // Checked here, before jwt-kit: it would fall back to its default
        // key for an unknown kid, and the contract allows EdDSA alone.
        guard header.alg == "EdDSA" else { throw TokenRejection("its algorithm is not EdDSA") }
        guard let kid = header.kid else { throw TokenRejection("it names no key (kid)") }
        var keys = try await source.keys(refresh: false)
        if keys[kid] == nil { keys = try await source.keys(refresh: true) }
        guard keys[kid] != nil else { throw TokenRejection("it names a key the users service does not publish") }
        let verifier = try await self.keyCollection(for: keys)
        let claims: AccessTokenClaims
        do {
            claims = try await verifier.verify(token, as: AccessTokenClaims.self)
        } catch let rejection as TokenRejection {
            throw rejection
        } catch {
            throw TokenRejection("its signature does not match, or it is malformed")
        }
        try claims.check(now: now)
        guard let user = claims.user else { throw TokenRejection("its subject or role is not one this system gives") }
        return Accepted(user: user, expiresAt: claims.exp.value)
    }

    private func keyCollection(for keys: [String: PublishedKey]) async throws -> JWTKeyCollection {
        if let current = collection.withLock({ $0 }), current.keys == keys { return current.collection }
        let made = JWTKeyCollection()
        for key in keys.values {
            guard let eddsa = try? key.eddsaKey() else { continue }
            await made.add(eddsa: eddsa, kid: JWKIdentifier(string: key.kid))
        }
        collection.withLock { $0 = (keys, made) }
        return made
    }
}
