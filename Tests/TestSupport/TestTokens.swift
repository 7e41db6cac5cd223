import Crypto
public import Foundation
public import Identity
import JWTKit
public import ServiceKit

/// Access tokens for tests, signed with a key of their own, which they also
/// publish as a `VerificationKeySource`: what a service under test checks
/// tokens with, without a users service.
public final class TestTokens: VerificationKeySource {
    public let kid: String
    private let privateKey: Curve25519.Signing.PrivateKey
    private let collection: JWTKeyCollection

    public init(kid: String = "test-key") async {
        self.kid = kid
        self.privateKey = Curve25519.Signing.PrivateKey()
        self.collection = JWTKeyCollection()
        await collection.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: JWKIdentifier(string: kid))
    }

    /// This key as the JWKS would publish it.
    public var published: PublishedKey {
        PublishedKey(kid: kid, x: Base64URL.encode(Array(privateKey.publicKey.rawRepresentation)))
    }

    public func keys(refresh: Bool) async throws -> [String: PublishedKey] {
        [kid: published]
    }

    /// A token for user `id`, valid an hour from `issuedAt`.
    public func token(for id: Int64, email: String? = nil, role: Caller.Role = .member, issuedAt: Date = Date()) async throws -> String {
        let user = Caller.SignedInUser(id: id, email: email ?? "user\(id)@example.com", role: role)
        return try await collection.sign(
            AccessTokenClaims(user: user, issuedAt: issuedAt, lifetime: .seconds(3600)), kid: JWKIdentifier(string: kid))
    }

    /// Signs `claims` as they are, for tests of what verifiers refuse.
    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await collection.sign(claims, kid: JWKIdentifier(string: kid))
    }
}
