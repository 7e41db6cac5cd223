public import Foundation
import JWTKit
public import ServiceKit
import Synchronization

/// Checks access tokens: EdDSA only, a `kid` the users service publishes,
/// a valid signature (jwt-kit), and the contract's claims
/// (`AccessTokenClaims`). Never calls the users service per request: keys
/// come from a `VerificationKeySource`, which keeps them.
public final class TokenVerifier: Sendable {
    private let source: any VerificationKeySource
    /// jwt-kit's keys for the key set last seen, rebuilt when it changes.
    private let collection = Mutex<(keys: [String: PublishedKey], collection: JWTKeyCollection)?>(nil)

    public init(source: any VerificationKeySource) {
        self.source = source
    }

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    /// The person `token` is for. Throws `TokenRejection` for a token that
    /// is not acceptable, `KeysUnavailable` when it cannot be checked now.
    public func verify(_ token: String, now: Date = Date()) async throws -> Caller.SignedInUser {
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
        return user
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

/// Base64url without padding (RFC 4648 §5), as JWTs use it.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
