import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import JWTKit
import ServiceKit
import TestSupport
import Testing

/// What the shared authenticator lets through and what it refuses, on a small
/// application with one route per kind of access: the contract's attacks on
/// access tokens, each a 401 `invalid_token`.
@Suite struct AccessTokenTests {
    /// A key source that cannot give keys: the users service is down and none are kept.
    struct UnreachableKeys: VerificationKeySource {
        func keys(refresh: Bool) async throws -> [String: PublishedKey] {
            throw KeysUnavailable("down")
        }
    }

    func withApplication(
        keys: any VerificationKeySource, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let metrics = ServiceMetrics()
        let routes = RouteTable()
        let router = ServiceApplication.router(
            metrics: metrics, routes: routes,
            authenticator: BearerAuthenticator(internalToken: InternalToken(testInternalToken), verifier: TokenVerifier(source: keys))
        )
        router.addRoutes(
            RouteCollection(context: ServiceRequestContext.self)
                .on("/open", method: .get, access: .open) { _, context in context.identity.map { "\($0)" } ?? "nobody" }
                .on("/signed-in", method: .get, access: .signedIn) { _, context in "\(try context.caller())" }
                .on("/admin", method: .get, access: .admin) { _, context in "\(try context.caller())" }
        )
        let app = ServiceApplication.make(router: router, routes: routes, configuration: testHTTPConfiguration(), metrics: metrics)
        try await app.test(.router, test)
    }

    func call(_ client: any TestClientProtocol, _ path: String = "/signed-in", token: String?) async throws -> TestResponse {
        try await client.get(path, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    func expectRefused(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == .unauthorized, sourceLocation: sourceLocation)
        #expect(try response.problemCode() == "invalid_token", sourceLocation: sourceLocation)
        #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#, sourceLocation: sourceLocation)
    }

    static func segment(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

    @Test func aGoodTokenIsTheCallerAndNoTokenIs401() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let accepted = try await call(client, token: try await tokens.token(for: 7))
            #expect(accepted.status == .ok)
            #expect(accepted.text == "user 7")
            let none = try await call(client, token: nil)
            #expect(none.status == .unauthorized)
            #expect(try none.problemCode() == "unauthenticated")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            // Open routes do not care, even about a bad token.
            #expect(try await call(client, "/open", token: nil).text == "nobody")
            #expect(try await call(client, "/open", token: "garbage").status == .ok)
        }
    }

    @Test func rolesDecideAdminRoutes() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let member = try await call(client, "/admin", token: try await tokens.token(for: 7))
            #expect(member.status == .forbidden)
            #expect(try member.problemCode() == "forbidden")
            #expect(try await call(client, "/admin", token: try await tokens.token(for: 8, role: .admin)).text == "user 8")
            // The internal token acts as an admin; a wrong one is refused.
            #expect(try await call(client, "/admin", token: testInternalToken).text == "service")
            try expectRefused(try await call(client, token: testInternalToken + "x"))
            // Other schemes are refused, not ignored.
            let basic = try await client.get("/signed-in", headers: [.authorization: "Basic \(testInternalToken)"])
            try expectRefused(basic)
        }
    }

    @Test func anUnsignedTokenIsRefused() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let good = try await tokens.token(for: 7, role: .admin).split(separator: ".")
            for alg in ["none", "None", "NONE"] {
                let header = Self.segment(#"{"alg":"\#(alg)","typ":"JWT","kid":"\#(tokens.kid)"}"#)
                try expectRefused(try await call(client, token: "\(header).\(good[1])."))
                try expectRefused(try await call(client, token: "\(header).\(good[1]).\(good[2])"))
            }
        }
    }

    @Test func anHMACKeyedWithThePublicKeyIsRefused() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let payload = try await tokens.token(for: 7, role: .admin).split(separator: ".")[1]
            let publicKey = try #require(Base64URL.decode(tokens.published.x))
            // The classic confusion: HS256 with the public key's bytes (or its
            // published text) as the shared secret.
            for secret in [publicKey, Array(tokens.published.x.utf8)] {
                for alg in ["HS256", "HS512"] {
                    let header = Self.segment(#"{"alg":"\#(alg)","typ":"JWT","kid":"\#(tokens.kid)"}"#)
                    let input = "\(header).\(payload)"
                    let mac: [UInt8] =
                        alg == "HS256"
                        ? Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret)))
                        : Array(HMAC<SHA512>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret)))
                    try expectRefused(try await call(client, token: "\(input).\(Base64URL.encode(mac))"))
                }
            }
        }
    }

    @Test func expiredAndNotYetValidTokensAreRefusedWithASixtySecondLeeway() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let now = Date()
            // Expired two minutes ago: refused. Thirty seconds ago: within the leeway.
            try expectRefused(try await call(client, token: try await tokens.token(for: 7, issuedAt: now.addingTimeInterval(-3720))))
            #expect(try await call(client, token: try await tokens.token(for: 7, issuedAt: now.addingTimeInterval(-3630))).status == .ok)
            // Issued five minutes from now: not valid yet.
            try expectRefused(try await call(client, token: try await tokens.token(for: 7, issuedAt: now.addingTimeInterval(300))))
        }
    }

    @Test func aChangedPayloadIsRefused() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let parts = try await tokens.token(for: 7).split(separator: ".").map(String.init)
            let claims = try #require(String(bytes: Base64URL.decode(parts[1]) ?? [], encoding: .utf8))
            let raised = claims.replacingOccurrences(of: #""role":"member""#, with: #""role":"admin""#)
            #expect(raised != claims)
            try expectRefused(try await call(client, token: "\(parts[0]).\(Self.segment(raised)).\(parts[2])"))
            // A signature from a token for someone else does not carry over either.
            let other = try await tokens.token(for: 8).split(separator: ".").map(String.init)
            try expectRefused(try await call(client, token: "\(parts[0]).\(parts[1]).\(other[2])"))
        }
    }

    @Test func anotherKeysSignatureAndAnUnpublishedKidAreRefused() async throws {
        let tokens = await TestTokens()
        let impostor = await TestTokens(kid: tokens.kid)  // the same kid, another key
        let stranger = await TestTokens(kid: "never-published")
        try await withApplication(keys: tokens) { client in
            try expectRefused(try await call(client, token: try await impostor.token(for: 7)))
            let unknown = try await call(client, token: try await stranger.token(for: 7))
            try expectRefused(unknown)
            #expect(try unknown.problemDetail().contains("does not publish"))
        }
    }

    @Test func theWrongIssuerOrAudienceIsRefused() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            let user = Caller.SignedInUser(id: 7, email: "ann@example.com", role: .member)
            var wrongIssuer = AccessTokenClaims(user: user, issuedAt: Date(), lifetime: .seconds(600))
            wrongIssuer.iss = IssuerClaim(value: "somebody-else")
            try expectRefused(try await call(client, token: try await tokens.sign(wrongIssuer)))
            var wrongAudience = AccessTokenClaims(user: user, issuedAt: Date(), lifetime: .seconds(600))
            wrongAudience.aud = AudienceClaim(value: ["another-system"])
            try expectRefused(try await call(client, token: try await tokens.sign(wrongAudience)))
            var oddSubject = AccessTokenClaims(user: user, issuedAt: Date(), lifetime: .seconds(600))
            oddSubject.sub = SubjectClaim(value: "07")
            try expectRefused(try await call(client, token: try await tokens.sign(oddSubject)))
            var oddRole = AccessTokenClaims(user: user, issuedAt: Date(), lifetime: .seconds(600))
            oddRole.role = "root"
            try expectRefused(try await call(client, token: try await tokens.sign(oddRole)))
        }
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "not a token", "....", "eyJhbGciOiJFZERTQSJ9.e30."])
    func malformedTokensAreRefused(token: String) async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: tokens) { client in
            try expectRefused(try await call(client, token: token))
        }
    }

    @Test func aRememberedTokenStillExpiresAndOnlyItsExactTextIsRemembered() async throws {
        let tokens = await TestTokens()
        let verifier = TokenVerifier(source: tokens, capacity: 2)
        let issued = Date()
        let token = try await tokens.token(for: 7, issuedAt: issued)
        #expect(try await verifier.verify(token, now: issued).id == 7)
        #expect(try await verifier.verify(token, now: issued.addingTimeInterval(3600)).id == 7)
        await #expect(throws: TokenRejection("it has expired")) { try await verifier.verify(token, now: issued.addingTimeInterval(3700)) }
        // One character changed is another token, checked in full.
        var tampered = Array(token)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        await #expect(throws: TokenRejection.self) { try await verifier.verify(String(tampered), now: issued) }
        // Past its capacity it forgets, and checks again.
        for id in Int64(8)...12 { _ = try await verifier.verify(try await tokens.token(for: id, issuedAt: issued), now: issued) }
        #expect(try await verifier.verify(token, now: issued).id == 7)
    }

    @Test func keysThatCannotBeFetchedAre503NotA401() async throws {
        let tokens = await TestTokens()
        try await withApplication(keys: UnreachableKeys()) { client in
            let response = try await call(client, token: try await tokens.token(for: 7))
            #expect(response.status == .serviceUnavailable)
            #expect(try response.problemCode() == "users_unavailable")
            #expect(response.headers[.retryAfter] != nil)
            // The internal token needs no keys.
            #expect(try await call(client, token: testInternalToken).status == .ok)
        }
    }
}
