public import Hummingbird

/// The bearer token that guards the internal routes.
///
/// Compared in constant time, so the time an answer takes says nothing of
/// how much of a guess was right; never logged. With no token configured
/// the internal routes refuse every call.
public struct InternalToken: Sendable {
    private let expected: [UInt8]?

    public init(_ token: String?) {
        self.expected = token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
    }

    /// Whether a token is set at all.
    public var isConfigured: Bool { expected != nil }

    /// Whether `token` is the internal token (never, without one configured).
    public func matches(_ token: String) -> Bool {
        guard let expected else { return false }
        return Self.constantTimeEqual(Array(token.utf8), expected)
    }

    /// Throws 401 unless `request` carries `Authorization: Bearer <token>`.
    public func authorize(_ request: Request) throws {
        guard let expected else {
            throw Problem.unauthorized("the internal routes are closed: the service has no internal token")
        }
        guard let header = request.headers[.authorization], header.utf8.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw Problem.unauthorized("a bearer token is required")
        }
        guard Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), expected) else {
            throw Problem.unauthorized("the bearer token is not the internal token")
        }
    }

    /// Compares every byte whatever the first difference; the lengths are
    /// compared too, without an early return.
    public static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: given.count ^ expected.count)
        for index in expected.indices {
            let byte = index < given.count ? given[index] : ~expected[index]
            difference |= byte ^ expected[index]
        }
        return difference == 0
    }
}

extension InternalToken: CustomStringConvertible, CustomReflectable {
    /// Never the token itself.
    public var description: String { isConfigured ? "InternalToken(set)" : "InternalToken(none)" }
    public var customMirror: Mirror { Mirror(self, children: ["isConfigured": isConfigured]) }
}
