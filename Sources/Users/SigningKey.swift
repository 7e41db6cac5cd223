import Crypto
import Foundation
public import Identity
public import JWTKit
public import ServiceKit

/// An Ed25519 key access tokens are signed with, as `signing_keys` keeps it:
/// both halves base64url, the private one a 32-byte seed.
public struct SigningKey: Sendable, Hashable {
    public var kid: String
    public var publicKey: String
    public var privateKey: String
    public var createdAt: Timestamp
    /// When a newer key took over; nil for the current one.
    public var retiredAt: Timestamp?

    /// A new key made at `time`; its kid is the first 12 bytes of its public
    /// key's SHA-256, base64url.
    public static func generate(at time: Timestamp) -> SigningKey {
        let key = Curve25519.Signing.PrivateKey()
        let publicBytes = Array(key.publicKey.rawRepresentation)
        return SigningKey(
            kid: Base64URL.encode(Array(SHA256.hash(data: publicBytes)).prefix(12)),
            publicKey: Base64URL.encode(publicBytes),
            privateKey: Base64URL.encode(Array(key.rawRepresentation)),
            createdAt: time,
            retiredAt: nil
        )
    }

    /// The key as the JWKS publishes it.
    public var published: PublishedKey { PublishedKey(kid: kid, x: publicKey) }

    /// The key as jwt-kit signs with it.
    public func eddsaPrivateKey() throws -> EdDSA.PrivateKey {
        guard let seed = Base64URL.decode(privateKey) else { throw KeysUnavailable("the signing key \(kid) cannot be read") }
        return EdDSA.PrivateKey(backing: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
    }
}

/// Where the signing keys are kept.
public protocol SigningKeyRepository: Sendable {
    /// The key that signs now: the newest not retired; nil before the first.
    func current() async throws -> SigningKey?
    /// The current key, made and stored first if there is none.
    func ensureCurrent(at time: Timestamp) async throws -> SigningKey
    /// Makes a new current key and retires the others; returns it.
    func rotate(at time: Timestamp) async throws -> SigningKey
    /// The keys a token signed at most `tokenLifetime` (plus the clock
    /// leeway) before `time` may name: the current one, and those retired
    /// since.
    func published(at time: Timestamp, tokenLifetime: Duration) async throws -> [PublishedKey]
}
