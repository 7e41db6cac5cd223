import Crypto
import Identity
public import ServiceKit

/// A one-time token that sets a password: 32 random bytes, base64url, in a
/// mail; only its SHA-256 is stored, so the table cannot give it away.
public struct PasswordToken: Sendable, Hashable {
    /// Why it was made, which sets how long it lasts.
    public enum Purpose: String, Sendable {
        /// A forgotten password (valid an hour).
        case reset
        /// A sign-up without a password, in its welcome mail (valid a day).
        case welcome

        public var lifetime: Duration {
            switch self {
            case .reset: .seconds(3600)
            case .welcome: .seconds(86_400)
            }
        }
    }

    /// The secret, for the mail. Never stored, never logged.
    public let token: String
    /// Its SHA-256, hex: what is stored and looked up.
    public let hash: String
    public let purpose: Purpose
    public let createdAt: Timestamp
    public let expiresAt: Timestamp

    /// A new token for `purpose`, made at `time`.
    public init(purpose: Purpose, at time: Timestamp) {
        // BoringSSL's CSPRNG, in user space: a system call per byte would
        // cost more than the rest of a sign-up.
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        self.token = Base64URL.encode(bytes)
        self.hash = Self.hash(token)
        self.purpose = purpose
        self.createdAt = time
        self.expiresAt = time.adding(purpose.lifetime)
    }

    /// The stored form of `token`.
    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }
}

extension PasswordToken: CustomStringConvertible, CustomReflectable {
    /// Never the token itself.
    public var description: String { "PasswordToken(\(purpose.rawValue), expires \(expiresAt))" }
    public var customMirror: Mirror { Mirror(self, children: ["purpose": purpose, "expiresAt": expiresAt]) }
}
