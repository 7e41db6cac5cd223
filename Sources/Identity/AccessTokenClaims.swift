public import Foundation
public import JWTKit
public import ServiceKit

/// The claims of an access token, as the contract writes them: `iss`
/// `bugtracker-users`, `aud` `bugtracker`, `sub` the user id, `email`,
/// `role`, `iat`, `exp`. The users service signs them; every service checks
/// them with `verify(using:)`.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public static let issuer = "bugtracker-users"
    public static let audience = "bugtracker"
    /// How far a clock may be off: `exp` and `iat` are checked with this slack.
    public static let leeway: TimeInterval = 60

    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var sub: SubjectClaim
    public var email: String
    public var role: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    /// Claims for `user`, issued at `now`, valid for `lifetime`.
    public init(user: Caller.SignedInUser, issuedAt now: Date, lifetime: Duration) {
        self.iss = IssuerClaim(value: Self.issuer)
        self.aud = AudienceClaim(value: [Self.audience])
        self.sub = SubjectClaim(value: String(user.id))
        self.email = user.email
        self.role = user.role.rawValue
        // Whole seconds, as NumericDates are usually written.
        let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        self.iat = IssuedAtClaim(value: issued)
        self.exp = ExpirationClaim(value: issued.addingTimeInterval(Double(lifetime.components.seconds)))
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try check(now: Date())
    }

    /// Throws `TokenRejection` unless the claims hold at `now`.
    public func check(now: Date) throws(TokenRejection) {
        guard iss.value == Self.issuer else { throw TokenRejection("it was not issued by the users service") }
        guard aud.value.contains(Self.audience) else { throw TokenRejection("it is not meant for this system") }
        guard exp.value.timeIntervalSince(now) > -Self.leeway else { throw TokenRejection("it has expired") }
        guard iat.value.timeIntervalSince(now) < Self.leeway else { throw TokenRejection("it is not valid yet") }
        guard user != nil else { throw TokenRejection("its subject or role is not one this system gives") }
    }

    /// The person the token is for; nil when `sub` or `role` is malformed.
    public var user: Caller.SignedInUser? {
        guard let id = PathID.canonical(sub.value), let role = Caller.Role(rawValue: role) else { return nil }
        return Caller.SignedInUser(id: id, email: email, role: role)
    }
}

/// Why an access token is refused: a phrase for the problem's detail
/// ("it has expired"), never the token.
public struct TokenRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
