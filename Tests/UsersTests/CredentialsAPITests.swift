import EmbeddedMigrations
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Outbox
import SQLiteStore
import ServiceKit
import Synchronization
import TestSupport
import Testing
import Users

/// Time that moves only when a test says so.
final class ManualTime: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex(Duration.zero)

    func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
    func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
}

/// Keys as a JWKS document gave them.
struct FixedKeys: VerificationKeySource {
    let keys: [String: PublishedKey]

    init(_ response: TestResponse) throws {
        let document = try JSONDecoder().decode(JWKSDocument.self, from: Data(response.body.readableBytesView))
        keys = Dictionary(uniqueKeysWithValues: document.published.map { ($0.kid, $0) })
    }

    func keys(refresh: Bool) async throws -> [String: PublishedKey] { keys }
}

/// Signing up with a password, signing in, password resets, and who may see
/// and change what: the users service through its router, without
/// credentials unless a test signs in.
@Suite struct CredentialsAPITests {
    /// Cheap hashes: the tests check what is hashed, not how slowly.
    static func options(registration: Registration = .open, throttle: SignInThrottle = SignInThrottle()) -> UsersServiceOptions {
        UsersServiceOptions(
            http: testHTTPConfiguration("users"), internalToken: testInternalToken, registration: registration,
            hasher: PasswordHasher(costLog2: 4), throttle: throttle)
    }

    func withUsers(
        _ options: UsersServiceOptions = Self.options(),
        _ test: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void
    ) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(database: database, options: options)
            try await app.test(.router) { client in try await test(client, database) }
        }
    }

    /// Signs up and returns the new user's id.
    @discardableResult
    func signUp(_ client: any TestClientProtocol, _ email: String, password: String? = "correct horse") async throws -> Int64 {
        let body = password.map { #"{"email": "\#(email)", "password": "\#($0)"}"# } ?? #"{"email": "\#(email)"}"#
        let response = try await client.post("/users", json: body)
        guard response.status == .created, let id = try response.object().int("id") else {
            throw TestFailure("sign-up failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Signs in and returns the access token.
    func signIn(_ client: any TestClientProtocol, _ email: String, password: String = "correct horse") async throws -> String {
        let response = try await client.post("/tokens", json: #"{"email": "\#(email)", "password": "\#(password)"}"#)
        guard response.status == .created, let token = try response.object().string("access_token") else {
            throw TestFailure("sign-in failed: \(response.status) \(response.text)")
        }
        return token
    }

    /// The set-password token in the last mail to `email`.
    func mailedToken(_ database: Database, to email: String) async throws -> String {
        let body = try await database.read { connection in
            try connection.queryFirst("SELECT body FROM outbox WHERE recipient = ? ORDER BY id DESC", [.text(email)]) {
                try $0.text("body")
            }
        }
        guard let body, let match = body.firstMatch(of: /"token": "([A-Za-z0-9_-]{43})"/) else {
            throw TestFailure("no token in the mail: \(body ?? "no mail")")
        }
        return String(match.output.1)
    }

    // MARK: Signing in

    @Test func signInGivesAnEdDSATokenWithTheContractsClaims() async throws {
        try await withUsers { client, _ in
            let id = try await signUp(client, "ann@example.com")
            let response = try await client.post("/tokens", json: #"{"email": "Ann@Example.com", "password": "correct horse"}"#)
            #expect(response.status == .created)
            let body = try response.object()
            #expect(body.string("token_type") == "Bearer")
            #expect(body.int("expires_in") == 3600)
            #expect((body["user"] as? [String: Any])?.string("email") == "ann@example.com")
            let token = try #require(body.string("access_token"))
            // The header says EdDSA and names a published key.
            let header = try #require(
                JSONSerialization.jsonObject(with: Data(Base64URL.decode(token.split(separator: ".")[0]) ?? [])) as? [String: Any])
            #expect(header.string("alg") == "EdDSA")
            let jwks = try await client.get("/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            let keys = try FixedKeys(jwks)
            #expect(keys.keys.keys.contains(try #require(header.string("kid"))))
            let jwk = try #require((try jwks.object()["keys"] as? [[String: Any]])?.first)
            #expect(Set(jwk.keys) == ["kty", "crv", "x", "kid", "use", "alg"])
            #expect(jwk.string("kty") == "OKP" && jwk.string("crv") == "Ed25519" && jwk.string("use") == "sig")
            // The claims, checked by the verifier every service uses.
            let user = try await TokenVerifier(source: keys).verify(token)
            #expect(user == Caller.SignedInUser(id: id, email: "ann@example.com", role: .member))
            let claims = try #require(
                JSONSerialization.jsonObject(with: Data(Base64URL.decode(token.split(separator: ".")[1]) ?? [])) as? [String: Any])
            #expect(claims.string("iss") == "bugtracker-users")
            #expect(claims.string("sub") == "\(id)")
            #expect((claims["aud"] as? String) == "bugtracker" || (claims["aud"] as? [String]) == ["bugtracker"])
            #expect(claims.int("exp")! - claims.int("iat")! == 3600)
            // NumericDates in whole seconds.
            let payload = String(decoding: Base64URL.decode(token.split(separator: ".")[1]) ?? [], as: UTF8.self)
            #expect(payload.contains(/"iat":\d+[,}]/) && payload.contains(/"exp":\d+[,}]/))
            // And it works here.
            let me = try await client.bearer(token).get("/users/me")
            #expect(me.status == .ok)
            #expect(try me.object().int("id") == id)
        }
    }

    @Test func unknownEmailNoPasswordAndAWrongPasswordAnswerTheSame() async throws {
        try await withUsers { client, _ in
            try await signUp(client, "ann@example.com")
            try await signUp(client, "bob@example.com", password: nil)
            var answers: [String] = []
            for (email, password) in [("ann@example.com", "wrong horse"), ("nobody@example.com", "correct horse"), ("bob@example.com", "")]
            {
                let response = try await client.post("/tokens", json: #"{"email": "\#(email)", "password": "\#(password)"}"#)
                #expect(response.status == .unauthorized)
                #expect(try response.problemCode() == "invalid_credentials")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                answers.append(response.text)
            }
            #expect(Set(answers).count == 1)
        }
    }

    @Test(arguments: [
        (#"{"email": "ann@example.com"}"#, "password"), (#"{"password": "x"}"#, "email"),
        (#"{"email": "ann@example.com", "password": 12345678}"#, "password"),
        (#"{"email": "ann@example.com", "password": "correct horse", "remember": true}"#, "remember"),
    ])
    func malformedSignInsAre400(body: String, field: String) async throws {
        try await withUsers { client, _ in
            let response = try await client.post("/tokens", json: body)
            #expect(response.status == .badRequest)
            #expect(try response.problemDetail().contains(field))
        }
    }

    @Test func fiveFailuresForAnAddressAre429UntilTheWindowPasses() async throws {
        try await withUsers { client, _ in
            try await signUp(client, "ann@example.com")
            for _ in 1...5 {
                let response = try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "wrong horse"}"#)
                #expect(response.status == .unauthorized)
            }
            // Even the right password, even spelt differently.
            let refused = try await client.post("/tokens", json: #"{"email": "ANN@example.com", "password": "correct horse"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.problemCode() == "too_many_attempts")
            let seconds = try #require(Int(refused.headers[.retryAfter] ?? ""))
            #expect(seconds > 800 && seconds <= 900)
            // Other addresses are not held up.
            try await signUp(client, "bob@example.com")
            _ = try await signIn(client, "bob@example.com")
        }
    }

    @Test func theWindowForgetsOldFailuresAndASuccessForgetsTheAddress() async throws {
        let time = ManualTime()
        let throttle = SignInThrottle(perEmail: 2, perClient: 100, window: .seconds(900), now: time.now)
        try await withUsers(Self.options(throttle: throttle)) { client, _ in
            try await signUp(client, "ann@example.com")
            func attempt(_ password: String) async throws -> HTTPResponse.Status {
                try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "\#(password)"}"#).status
            }
            #expect(try await attempt("wrong horse") == .unauthorized)
            time.advance(.seconds(100))
            #expect(try await attempt("wrong horse") == .unauthorized)
            let refused = try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "correct horse"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "800")  // until the first failure leaves the window
            // 800 s on, the first failure has left the window: one is left, so one more refuses again.
            time.advance(.seconds(801))
            #expect(try await attempt("wrong horse") == .unauthorized)
            #expect(try await attempt("correct horse") == .tooManyRequests)
            time.advance(.seconds(900))
            // One failure, a success, one failure: the success wiped the first.
            #expect(try await attempt("wrong horse") == .unauthorized)
            #expect(try await attempt("correct horse") == .created)
            #expect(try await attempt("wrong horse") == .unauthorized)
            #expect(try await attempt("correct horse") == .created)
        }
    }

    @Test func twentyFailuresFromOneClientAre429ForEveryAddress() async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(database: database, options: Self.options())
            // Live: the client address is the socket's.
            try await app.test(.live) { client in
                try await signUp(client, "ann@example.com")
                for attempt in 1...20 {
                    let response = try await client.post(
                        "/tokens", json: #"{"email": "guess\#(attempt)@example.com", "password": "wrong horse"}"#)
                    #expect(response.status == .unauthorized)
                }
                let refused = try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "correct horse"}"#)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] != nil)
            }
        }
    }

    // MARK: Passwords

    @Test(arguments: [(7, false), (8, true), (1024, true), (1025, false)])
    func passwordsAreEightTo1024Characters(length: Int, accepted: Bool) async throws {
        try await withUsers { client, database in
            let password = String(repeating: "é", count: length)
            let response = try await client.post("/users", json: #"{"email": "ann@example.com", "password": "\#(password)"}"#)
            #expect(response.status == (accepted ? .created : .badRequest))
            if !accepted {
                #expect(try response.problemCode() == "invalid_field")
                #expect(try response.problemDetail().contains("password"))
                #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM users") { $0.int(0) } } == 0)
            }
        }
    }

    @Test func everyCharacterOfALongPasswordCounts() async throws {
        try await withUsers { client, database in
            // bcrypt would read 72 bytes and accept any password sharing them.
            let password = String(repeating: "a", count: 100) + "1"
            try await signUp(client, "ann@example.com", password: password)
            let near = String(repeating: "a", count: 100) + "2"
            let refused = try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "\#(near)"}"#)
            #expect(refused.status == .unauthorized)
            _ = try await signIn(client, "ann@example.com", password: password)
            // Stored as a salted scrypt hash, never as itself.
            let stored = try #require(try await database.read { try $0.queryFirst("SELECT password_hash FROM users") { $0.text(0) } })
            #expect(stored.hasPrefix("$scrypt$ln=4,r=8,p=1$"))
            #expect(!stored.contains(password))
        }
    }

    @Test func theSameePasswordHashesDifferentlyForTwoPeople() async throws {
        try await withUsers { client, database in
            try await signUp(client, "ann@example.com")
            try await signUp(client, "bob@example.com")
            let hashes = try await database.read { try $0.query("SELECT password_hash FROM users") { $0.text(0) } }
            #expect(Set(hashes).count == 2)
        }
    }

    // MARK: Resets and welcome tokens

    @Test func aResetTokenSetsThePasswordOnceAndOnlyItsHashIsStored() async throws {
        try await withUsers { client, database in
            try await signUp(client, "ann@example.com")
            let requested = try await client.post("/password-resets", json: #"{"email": "ann@example.com"}"#)
            #expect(requested.status == .accepted)
            #expect(requested.text == "{}")
            let token = try await mailedToken(database, to: "ann@example.com")
            #expect(Base64URL.decode(token)?.count == 32)
            let stored = try await database.read { try $0.query("SELECT token_hash FROM password_tokens") { $0.text(0) } }
            #expect(stored == [PasswordToken.hash(token)])
            let confirmed = try await client.post(
                "/password-resets/confirm", json: #"{"token": "\#(token)", "password": "battery staple"}"#)
            #expect(confirmed.status == .noContent)
            _ = try await signIn(client, "ann@example.com", password: "battery staple")
            #expect(
                try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "correct horse"}"#).status
                    == .unauthorized)
            // Spent.
            let again = try await client.post("/password-resets/confirm", json: #"{"token": "\#(token)", "password": "another one"}"#)
            #expect(again.status == .badRequest)
            #expect(try again.problemCode() == "invalid_reset_token")
            _ = try await signIn(client, "ann@example.com", password: "battery staple")
        }
    }

    @Test func anUnknownAddressGetsTheSameAnswerAndNoMail() async throws {
        try await withUsers { client, database in
            try await signUp(client, "ann@example.com")
            let before = try await database.read { try $0.queryFirst("SELECT count(*) FROM outbox") { $0.int(0) } }
            let known = try await client.post("/password-resets", json: #"{"email": "ann@example.com"}"#)
            let unknown = try await client.post("/password-resets", json: #"{"email": "nobody@example.com"}"#)
            #expect(known.status == unknown.status)
            #expect(known.text == unknown.text)
            let after = try await database.read { try $0.queryFirst("SELECT count(*) FROM outbox") { $0.int(0) } }
            #expect(after == (before ?? 0) + 1)
        }
    }

    @Test func guessedExpiredAndSupersededTokensAreRefused() async throws {
        try await withUsers { client, database in
            try await signUp(client, "ann@example.com")
            func confirm(_ token: String) async throws -> TestResponse {
                try await client.post("/password-resets/confirm", json: #"{"token": "\#(token)", "password": "battery staple"}"#)
            }
            // Guessed: well-formed, never issued; and not a token at all.
            for guess in [Base64URL.encode([UInt8](repeating: 7, count: 32)), "", "x"] {
                let response = try await confirm(guess)
                #expect(response.status == .badRequest)
                #expect(try response.problemCode() == "invalid_reset_token")
            }
            // Expired.
            _ = try await client.post("/password-resets", json: #"{"email": "ann@example.com"}"#)
            let expired = try await mailedToken(database, to: "ann@example.com")
            try await database.write {
                try $0.execute(
                    "UPDATE password_tokens SET expires_at = '2020-01-01T00:00:00.000Z' WHERE token_hash = ?",
                    [.text(PasswordToken.hash(expired))])
            }
            #expect(try await confirm(expired).status == .badRequest)
            // Two asked for; using the second spends the first.
            _ = try await client.post("/password-resets", json: #"{"email": "ann@example.com"}"#)
            let first = try await mailedToken(database, to: "ann@example.com")
            _ = try await client.post("/password-resets", json: #"{"email": "ann@example.com"}"#)
            let second = try await mailedToken(database, to: "ann@example.com")
            #expect(try await confirm(second).status == .noContent)
            #expect(try await confirm(first).status == .badRequest)
            // The old password no longer works, the new one does.
            _ = try await signIn(client, "ann@example.com", password: "battery staple")
        }
    }

    @Test func aPasswordlessSignUpIsMailedATokenToSetOne() async throws {
        try await withUsers { client, database in
            let created = try await client.post("/create", json: #"{"email": "ann@example.com"}"#)
            #expect(created.status == .created)
            let token = try await mailedToken(database, to: "ann@example.com")
            let (purpose, lifetime) = try #require(
                try await database.read { connection in
                    try connection.queryFirst("SELECT purpose, expires_at, created_at FROM password_tokens") {
                        (try $0.text("purpose"), try $0.text("expires_at") > $0.text("created_at"))
                    }
                })
            #expect(purpose == "welcome" && lifetime)
            #expect(try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": ""}"#).status == .unauthorized)
            let confirmed = try await client.post(
                "/password-resets/confirm", json: #"{"token": "\#(token)", "password": "battery staple"}"#)
            #expect(confirmed.status == .noContent)
            _ = try await signIn(client, "ann@example.com", password: "battery staple")
            // One with a password gets no token.
            try await signUp(client, "bob@example.com")
            await #expect(throws: TestFailure.self) { try await mailedToken(database, to: "bob@example.com") }
        }
    }

    // MARK: Who sees and changes what

    @Test func emailIsShownOnlyToTheUserAdminsAndServices() async throws {
        try await withUsers { client, database in
            let ann = try await signUp(client, "ann@example.com")
            let bob = try await signUp(client, "bob@example.com")
            let annToken = try await signIn(client, "ann@example.com")
            // Ann sees her own e-mail, not Bob's, in one user and in lists.
            #expect(try await client.bearer(annToken).get("/users/\(ann)").object().string("email") == "ann@example.com")
            let bobSeen = try await client.bearer(annToken).get("/users/\(bob)").object()
            #expect(bobSeen["email"] == nil)
            #expect(bobSeen.string("role") == "member")
            let listed = try await client.bearer(annToken).get("/users").items()
            #expect(listed.map { $0["email"] != nil } == [true, false])
            // Admins and services see everyone's.
            _ = try await SQLiteUserRepository(database: database, outbox: SQLiteOutboxRepository(database: database)).grantAdmin(
                email: "bob@example.com")
            let bobToken = try await signIn(client, "bob@example.com")
            #expect(try await client.bearer(bobToken).get("/users/\(ann)").object().string("email") == "ann@example.com")
            #expect(try await client.bearer(testInternalToken).get("/users/\(ann)").object().string("email") == "ann@example.com")
            // Without credentials, nothing.
            let anonymous = try await client.get("/users/\(ann)")
            #expect(anonymous.status == .unauthorized)
            #expect(try anonymous.problemCode() == "unauthenticated")
        }
    }

    @Test func findingByEmailIsForAdminsAndServices() async throws {
        try await withUsers { client, database in
            try await signUp(client, "ann@example.com")
            let member = try await client.bearer(try await signIn(client, "ann@example.com")).get("/users?email=ann@example.com")
            #expect(member.status == .forbidden)
            #expect(try member.problemCode() == "forbidden")
            let service = try await client.bearer(testInternalToken).get("/users?email=ANN@example.com")
            #expect(try service.items().map { $0.string("email") } == ["ann@example.com"])
        }
    }

    @Test func aUserChangesTheirNameAndWithTheCurrentOneTheirPassword() async throws {
        try await withUsers { client, _ in
            let ann = try await signUp(client, "ann@example.com")
            let bob = try await signUp(client, "bob@example.com")
            let annClient = client.bearer(try await signIn(client, "ann@example.com"))
            let renamed = try await annClient.patch("/users/\(ann)", json: #"{"name": "Ann Smith"}"#)
            #expect(renamed.status == .ok)
            #expect(try renamed.object().string("name") == "Ann Smith")
            // Not someone else's.
            let other = try await annClient.patch("/users/\(bob)", json: #"{"name": "Bobby"}"#)
            #expect(other.status == .forbidden)
            // A password: only with the current one, right.
            for body in [#"{"password": "battery staple"}"#, #"{"password": "battery staple", "current_password": "wrong horse"}"#] {
                let refused = try await annClient.patch("/users/\(ann)", json: body)
                #expect(refused.status == .forbidden)
                #expect(try refused.problemCode() == "forbidden")
            }
            _ = try await signIn(client, "ann@example.com")
            let changed = try await annClient.patch(
                "/users/\(ann)", json: #"{"password": "battery staple", "current_password": "correct horse"}"#)
            #expect(changed.status == .ok)
            _ = try await signIn(client, "ann@example.com", password: "battery staple")
            // Not her own role.
            let promoted = try await annClient.patch("/users/\(ann)", json: #"{"role": "admin"}"#)
            #expect(promoted.status == .forbidden)
            // Nothing to change, an unknown field, a password too short, a
            // null where only a value means anything: 400.
            for body in [
                "{}", #"{"email": "x@example.com"}"#, #"{"password": "short", "current_password": "battery staple"}"#,
                #"{"name": "Ann", "role": null}"#, #"{"password": null}"#,
            ] {
                #expect(try await annClient.patch("/users/\(ann)", json: body).status == .badRequest)
            }
            #expect(try await annClient.patch("/users/999", json: #"{"name": "X"}"#).status == .notFound)
        }
    }

    @Test func adminsChangeRolesAndPasswordsAndTheNextTokenSaysSo() async throws {
        try await withUsers { client, _ in
            let ann = try await signUp(client, "ann@example.com")
            let admin = client.bearer(testInternalToken)
            let promoted = try await admin.patch("/users/\(ann)", json: #"{"role": "admin"}"#)
            #expect(promoted.status == .ok)
            #expect(try promoted.object().string("role") == "admin")
            let token = try await signIn(client, "ann@example.com")
            #expect(try await client.bearer(token).get("/users/me").object().string("role") == "admin")
            #expect(try await admin.patch("/users/\(ann)", json: #"{"password": "set by an admin"}"#).status == .ok)
            _ = try await signIn(client, "ann@example.com", password: "set by an admin")
            #expect(try await admin.patch("/users/\(ann)", json: #"{"role": "root"}"#).status == .badRequest)
        }
    }

    @Test func closedRegistrationIsForAdminsOnly() async throws {
        try await withUsers(Self.options(registration: .closed)) { client, _ in
            for path in ["/users", "/create"] {
                let refused = try await client.post(path, json: #"{"email": "ann@example.com"}"#)
                #expect(refused.status == .forbidden)
                #expect(try refused.problemCode() == "registration_closed")
            }
            #expect(try await client.bearer(testInternalToken).post("/users", json: #"{"email": "ann@example.com"}"#).status == .created)
        }
    }

    // MARK: Keys

    @Test func tokensOutliveARestartAndARotatedKeysTokensStayValid() async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let first = try await buildUsersService(database: database, options: Self.options())
            let (oldToken, oldKid) = try await first.test(.router) { client in
                try await signUp(client, "ann@example.com")
                let token = try await signIn(client, "ann@example.com")
                return (token, try FixedKeys(try await client.get("/.well-known/jwks.json")).keys.keys.sorted())
            }
            // Restarted: the same key, so the old token is still good.
            let second = try await buildUsersService(database: database, options: Self.options())
            try await second.test(.router) { client async throws in
                #expect(try FixedKeys(try await client.get("/.well-known/jwks.json")).keys.keys.sorted() == oldKid)
                #expect(try await client.bearer(oldToken).get("/users/me").status == .ok)
            }
            // Rotated (as `bugtracker admin rotate-signing-key` does): new tokens
            // name the new key; the old key stays published, its tokens good.
            let rotated = try await SQLiteSigningKeyRepository(database: database).rotate(at: .now())
            let third = try await buildUsersService(database: database, options: Self.options())
            try await third.test(.router) { client async throws in
                let newToken = try await signIn(client, "ann@example.com")
                let header = try #require(
                    JSONSerialization.jsonObject(with: Data(Base64URL.decode(newToken.split(separator: ".")[0]) ?? [])) as? [String: Any])
                #expect(header.string("kid") == rotated.kid)
                let keys = try FixedKeys(try await client.get("/.well-known/jwks.json"))
                #expect(Set(keys.keys.keys) == Set(oldKid + [rotated.kid]))
                let verifier = TokenVerifier(source: keys)
                #expect(try await verifier.verify(oldToken).email == "ann@example.com")
                #expect(try await verifier.verify(newToken).email == "ann@example.com")
                #expect(try await client.bearer(oldToken).get("/users/me").status == .ok)
            }
        }
    }
}

/// Passwords, their hashes and salts, access tokens and reset tokens: in no
/// log line, at any level, and in no response but the one that hands a token
/// out.
@Suite struct SecretsInUsersLogsTests {
    @Test func noPasswordHashSaltOrTokenIsLoggedOrAnswered() async throws {
        let capture = LogCapture()
        try await withMigratedDatabase(UsersService.migrations) { database in
            var http = testHTTPConfiguration("users")
            http.logger = capture.logger("users")
            let app = try await buildUsersService(
                database: database,
                options: UsersServiceOptions(http: http, internalToken: testInternalToken, hasher: PasswordHasher(costLog2: 4)))
            var (answers, secrets) = try await app.test(.router) { client async throws -> ([String], [String]) in
                var answers: [String] = []
                var secrets = ["first-secret-password", "second-secret-password", "third-secret-password", testInternalToken]
                func keep(_ response: TestResponse) -> TestResponse {
                    answers.append(response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n") + "\n" + response.text)
                    return response
                }
                let created = keep(
                    try await client.post("/users", json: #"{"email": "ann@example.com", "password": "first-secret-password"}"#))
                let id = try #require(try created.object().int("id"))
                _ = keep(try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "wrong-secret-password"}"#))
                let signedIn = try await client.post("/tokens", json: #"{"email": "ann@example.com", "password": "first-secret-password"}"#)
                let token = try #require(try signedIn.object().string("access_token"))
                secrets.append(token)
                _ = keep(try await client.bearer(token).get("/users/me"))
                _ = keep(try await client.bearer(token).get("/users/\(id)"))
                _ = keep(try await client.bearer(token).get("/users"))
                _ = keep(
                    try await client.bearer(token).patch(
                        "/users/\(id)", json: #"{"password": "second-secret-password", "current_password": "first-secret-password"}"#))
                _ = keep(try await client.post("/password-resets", json: #"{"email": "ann@example.com"}"#))
                let resetToken = try await CredentialsAPITests().mailedToken(database, to: "ann@example.com")
                secrets.append(resetToken)
                _ = keep(
                    try await client.post(
                        "/password-resets/confirm", json: #"{"token": "\#(resetToken)", "password": "third-secret-password"}"#))
                _ = keep(try await client.bearer(token + "x").get("/users/me"))
                _ = keep(try await client.bearer(testInternalToken).get("/users?email=ann@example.com"))
                return (answers, secrets)
            }
            // What is stored: the hash, and the salt and digest inside it.
            let hash = try #require(try await database.read { try $0.queryFirst("SELECT password_hash FROM users") { $0.text(0) } })
            let parts = hash.split(separator: "$")
            secrets += [hash, String(parts[2]), String(parts[3])]
            secrets += try await database.read { try $0.query("SELECT token_hash FROM password_tokens") { $0.text(0) } }
            secrets += try await database.read { try $0.query("SELECT private_key FROM signing_keys") { $0.text(0) } }
            let logs = capture.text
            #expect(logs.contains("/password-resets/confirm"))  // the requests were logged…
            for secret in secrets {
                #expect(!logs.contains(secret), "a secret in the logs")  // …without what they carried
                #expect(!answers.contains { $0.contains(secret) }, "a secret in a response")
            }
            #expect(!answers.contains { $0.contains("password_hash") || $0.contains("scrypt") })
        }
    }
}
