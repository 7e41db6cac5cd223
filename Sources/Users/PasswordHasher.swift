import Crypto
import CryptoExtras
import Foundation
import NIOPosix
import ServiceKit

/// Salted, slow password hashes: scrypt from swift-crypto's CryptoExtras
/// (no truncation, unlike bcrypt's 72 bytes), written in PHC form,
/// `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` (base64), so each hash carries the
/// cost it was made with. The work runs on NIO's thread pool, never on
/// Swift's cooperative pool.
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's N: 14 takes 16 MiB and tens of milliseconds; tests
    /// use less.
    public let costLog2: Int
    private let blockSize = 8
    private let parallelism = 1

    public init(costLog2: Int = 14) {
        self.costLog2 = max(1, min(costLog2, 20))
    }

    /// A new hash of `password`, with a fresh 16-byte salt.
    public func hash(_ password: String) async throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let (costLog2, blockSize, parallelism) = (self.costLog2, self.blockSize, self.parallelism)
        let derived = try await NIOThreadPool.singleton.runIfActive {
            try Self.derive(password, salt: salt, costLog2: costLog2, blockSize: blockSize, parallelism: parallelism)
        }
        return
            "$scrypt$ln=\(costLog2),r=\(blockSize),p=\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Whether `password` is the one `stored` was made from. A hash that
    /// cannot be read matches nothing.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        guard let parsed = Self.parse(stored) else { return false }
        let derived = try await NIOThreadPool.singleton.runIfActive {
            try Self.derive(
                password, salt: parsed.salt, costLog2: parsed.costLog2, blockSize: parsed.blockSize, parallelism: parsed.parallelism)
        }
        return InternalToken.constantTimeEqual(derived, parsed.hash)
    }

    /// The same work as a check, for a sign-in whose e-mail is unknown: its
    /// answer takes as long as a wrong password's.
    public func verifyNothing(_ password: String) async throws {
        _ = try await verify(password, against: Self.decoy(costLog2: costLog2))
    }

    private static func derive(_ password: String, salt: [UInt8], costLog2: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << costLog2, blockSize: blockSize,
            parallelism: parallelism
        )
        return key.withUnsafeBytes { Array($0) }
    }

    private static func parse(_ stored: String) -> (costLog2: Int, blockSize: Int, parallelism: Int, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
        var parameters: [Substring: Int] = [:]
        for pair in parts[2].split(separator: ",") {
            let field = pair.split(separator: "=")
            guard field.count == 2, let value = Int(field[1]) else { return nil }
            parameters[field[0]] = value
        }
        guard let costLog2 = parameters["ln"], (1...20).contains(costLog2), let blockSize = parameters["r"], (1...32).contains(blockSize),
            let parallelism = parameters["p"], (1...16).contains(parallelism),
            let salt = Data(base64Encoded: String(parts[3])), let hash = Data(base64Encoded: String(parts[4])), !hash.isEmpty
        else { return nil }
        return (costLog2, blockSize, parallelism, Array(salt), Array(hash))
    }

    /// A well-formed hash of nothing anyone knows, at `costLog2`.
    private static func decoy(costLog2: Int) -> String {
        "$scrypt$ln=\(costLog2),r=8,p=1$\(Data(repeating: 0, count: 16).base64EncodedString())$\(Data(repeating: 0, count: 32).base64EncodedString())"
    }
}
