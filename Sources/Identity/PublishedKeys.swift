import Foundation
public import JWTKit

/// An Ed25519 public key as the users service publishes it.
public struct PublishedKey: Sendable, Hashable, Codable {
    /// The key id tokens name in their header.
    public var kid: String
    /// The public key, base64url (RFC 8037's `x`).
    public var x: String

    public init(kid: String, x: String) {
        self.kid = kid
        self.x = x
    }

    /// The key as jwt-kit verifies with it.
    public func eddsaKey() throws -> EdDSA.PublicKey {
        try EdDSA.PublicKey(x: x, curve: .ed25519)
    }
}

/// `GET /.well-known/jwks.json`: `{"keys": [{"kty": "OKP", "crv": "Ed25519",
/// "x": …, "kid": …, "use": "sig", "alg": "EdDSA"}]}`.
public struct JWKSDocument: Sendable, Codable, Equatable {
    public struct Key: Sendable, Codable, Equatable {
        public var kty = "OKP"
        public var crv = "Ed25519"
        public var x: String
        public var kid: String
        public var use = "sig"
        public var alg = "EdDSA"

        public init(_ key: PublishedKey) {
            self.x = key.x
            self.kid = key.kid
        }
    }

    public var keys: [Key]

    public init(keys: [PublishedKey]) {
        self.keys = keys.map(Key.init)
    }

    /// The Ed25519 signing keys it holds; keys of other kinds are left out.
    public var published: [PublishedKey] {
        keys.filter { $0.kty == "OKP" && $0.crv == "Ed25519" && $0.alg == "EdDSA" }.map { PublishedKey(kid: $0.kid, x: $0.x) }
    }
}

/// Where a verifier gets the keys tokens are signed with.
public protocol VerificationKeySource: Sendable {
    /// The published keys, by kid. `refresh` asks for a fresh look, because
    /// a token names a kid not among them; a source may decline (it looked a
    /// moment ago). Throws `KeysUnavailable` when it has never had any.
    func keys(refresh: Bool) async throws -> [String: PublishedKey]
}

/// The keys cannot be had now: the users service is down and none are kept.
public struct KeysUnavailable: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// No keys at all: only the internal token is accepted.
public struct NoPublishedKeys: VerificationKeySource {
    public init() {}

    public func keys(refresh: Bool) async throws -> [String: PublishedKey] { [:] }
}
