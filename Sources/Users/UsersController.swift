import Foundation
import Hummingbird
import Identity
import ServiceKit

/// Who may register: anyone, or (`--registration closed`) admins only.
public enum Registration: String, Sendable, CaseIterable {
    case open
    case closed
}

/// The users API: sign-up (`POST /users`, the seed's `POST /create`),
/// sign-in (`POST /tokens`), password resets, the users themselves, and the
/// keys access tokens are checked with. Each route says who may call it.
struct UsersController<Repository: UserRepository>: Sendable {
    let repository: Repository
    let hasher: PasswordHasher
    let issuer: TokenIssuer
    let throttle: SignInThrottle
    let registration: Registration
    let links: PasswordLinks

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .on("/users", method: .post, access: .open, use: create)
            .on("/create", method: .post, access: .open, use: create)
            .on("/tokens", method: .post, access: .open, use: signIn)
            .on("/password-resets", method: .post, access: .open, use: requestReset)
            .on("/password-resets/confirm", method: .post, access: .open, use: confirmReset)
            .on("/.well-known/jwks.json", method: .get, access: .open, use: jwks)
            .on("/users/me", method: .get, access: .signedIn, use: me)
            .on("/users/:id", method: .get, access: .signedIn, use: get)
            .on("/users", method: .get, access: .signedIn, use: list)
            .on("/users/:id", method: .patch, access: .signedIn, use: update)
    }

    // MARK: Requests

    struct CreateRequest: ClosedRequest {
        let email: String
        let name: String?
        let password: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case email, name, password
        }
    }

    struct SignInRequest: ClosedRequest {
        let email: String
        let password: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case email, password
        }
    }

    struct ResetRequest: ClosedRequest {
        let email: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case email
        }
    }

    struct ConfirmRequest: ClosedRequest {
        let token: String
        let password: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case token, password
        }
    }

    struct PatchRequest: ClosedRequest {
        /// `.some(nil)` clears the name.
        let name: String??
        let password: String?
        let currentPassword: String?
        let role: Caller.Role?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, password, role
            case currentPassword = "current_password"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard !container.allKeys.isEmpty else {
                throw FieldError(field: "the body", reason: "names no field to change (name, password, role)")
            }
            if !container.contains(.name) {
                name = nil
            } else if try container.decodeNil(forKey: .name) {
                name = .some(nil)
            } else {
                name = .some(try container.decode(String.self, forKey: .name))
            }
            // Only `name` can be cleared; a null elsewhere is refused, not
            // taken as "unchanged", as the document says.
            for key in [CodingKeys.password, .currentPassword, .role] where try container.contains(key) && container.decodeNil(forKey: key)
            {
                throw FieldError(field: key.rawValue, reason: "must not be null; leave it out to keep it")
            }
            password = try container.decodeIfPresent(String.self, forKey: .password)
            currentPassword = try container.decodeIfPresent(String.self, forKey: .currentPassword)
            role = try container.decodeChoiceIfPresent(Caller.Role.self, forKey: .role)
            if currentPassword != nil && password == nil {
                throw FieldError(field: "current_password", reason: "goes with password, the new one")
            }
        }
    }

    // MARK: Responses

    struct TokenResponse: ResponseEncodable {
        let accessToken: String
        let tokenType = "Bearer"
        let expiresIn: Int
        let user: User

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case user
        }
    }

    struct Accepted: ResponseEncodable {}

    // MARK: Handlers

    @Sendable func create(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<User> {
        if registration == .closed && context.identity?.isAdmin != true {
            throw Problem.forbidden("registration is closed: only an admin can add users", code: "registration_closed")
        }
        let body = try await request.decode(as: CreateRequest.self, context: context)
        let newUser = try NewUser(email: body.email, name: body.name)
        let password = try body.password.map { try PasswordRule.validate($0) }
        var hash: String?
        if let password { hash = try await hasher.hash(password) }
        // Without a password, the welcome mail carries a token to set one.
        let token = hash == nil ? PasswordToken(purpose: .welcome, at: .now()) : nil
        do {
            let links = self.links
            let user = try await repository.create(newUser, passwordHash: hash, token: token) {
                [UserMails.welcome($0, token: token, links: links)]
            }
            return EditedResponse(status: .created, headers: [.location: "/users/\(user.id)"], response: user)
        } catch UserRepositoryError.emailTaken(let email) {
            throw Problem.conflict("email_taken", "a user with e-mail \(email) already exists")
        }
    }

    @Sendable func signIn(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<TokenResponse> {
        let body = try await request.decode(as: SignInRequest.self, context: context)
        let key = EmailAddress.key(body.email)
        if let seconds = throttle.retryAfter(emailKey: key, client: context.clientAddress) {
            throw Problem.tooManyRequests(
                "too_many_attempts", "too many failed sign-ins; try again in \(seconds) seconds", retryAfterSeconds: seconds)
        }
        // Unknown address, no password set, wrong password: one answer, in
        // about one time (the hash is worked out whichever it is).
        let found = try await repository.credentials(email: body.email)
        let matches: Bool
        if let hash = found?.passwordHash {
            matches = try await hasher.verify(body.password, against: hash)
        } else {
            try await hasher.verifyNothing(body.password)
            matches = false
        }
        guard matches, let user = found?.user else {
            throttle.recordFailure(emailKey: key, client: context.clientAddress)
            throw Problem(
                status: .unauthorized, code: "invalid_credentials", detail: "the e-mail or the password is wrong",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        throttle.recordSuccess(emailKey: key)
        let (token, expiresIn) = try await issuer.issue(for: user.signedIn)
        return EditedResponse(status: .created, response: TokenResponse(accessToken: token, expiresIn: expiresIn, user: user))
    }

    @Sendable func requestReset(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Accepted> {
        let email = try EmailAddress.validate(try await request.decode(as: ResetRequest.self, context: context).email)
        let token = PasswordToken(purpose: .reset, at: .now())
        let links = self.links
        // The same answer whether or not the address is known.
        _ = try await repository.issue(token, email: email) { [UserMails.passwordReset($0, token: token, links: links)] }
        return EditedResponse(status: .accepted, response: Accepted())
    }

    @Sendable func confirmReset(_ request: Request, context: ServiceRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: ConfirmRequest.self, context: context)
        let password = try PasswordRule.validate(body.password)
        let hash = try await hasher.hash(password)
        guard try await repository.redeem(tokenHash: PasswordToken.hash(body.token), at: .now(), passwordHash: hash) != nil else {
            throw Problem(
                status: .badRequest, code: "invalid_reset_token", detail: "the token is unknown, already used or expired; ask for a new one"
            )
        }
        return .noContent
    }

    @Sendable func jwks(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<KeySet> {
        // Verifiers fetch it on their own schedule; a minute's caching is plenty.
        EditedResponse(
            headers: [.cacheControl: "public, max-age=60"], response: KeySet(document: JWKSDocument(keys: try await issuer.publishedKeys()))
        )
    }

    /// The JWKS document as a response.
    struct KeySet: ResponseEncodable {
        let document: JWKSDocument

        func encode(to encoder: any Encoder) throws {
            try document.encode(to: encoder)
        }
    }

    @Sendable func me(_ request: Request, context: ServiceRequestContext) async throws -> UserView {
        let caller = try context.caller()
        guard let id = caller.userID else {
            throw Problem.notFound("user_not_found", "the internal token is a service, not a user")
        }
        guard let user = try await repository.get(id: id) else { throw Problem.notFound("user_not_found", "no user with id \(id)") }
        return user.seen(by: caller)
    }

    @Sendable func get(_ request: Request, context: ServiceRequestContext) async throws -> UserView {
        guard let id = PathID.parse("id", in: context), let user = try await repository.get(id: id) else {
            throw Problem.notFound("user_not_found", "no user with id \(context.parameters.get("id") ?? "")")
        }
        return user.seen(by: try context.caller())
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<UserView> {
        let caller = try context.caller()
        let query = try ListQuery(request, filters: ["email"])
        if let email = query.parameters["email"] {
            guard caller.isAdmin else { throw Problem.forbidden("finding a user by e-mail is for admins") }
            let found = try await repository.find(email: email)
            return ListResponse(items: found.map { [$0.seen(by: caller)] } ?? [], nextCursor: nil)
        }
        let page = try await repository.list(after: try query.afterID(), limit: query.limit)
        return ListResponse(Page(items: page.items.map { $0.seen(by: caller) }, nextAfterID: page.nextAfterID))
    }

    @Sendable func update(_ request: Request, context: ServiceRequestContext) async throws -> UserView {
        let caller = try context.caller()
        guard let id = PathID.parse("id", in: context), try await repository.get(id: id) != nil else {
            throw Problem.notFound("user_not_found", "no user with id \(context.parameters.get("id") ?? "")")
        }
        guard caller.actsFor(id) else { throw Problem.forbidden("only the user themself or an admin can change a user") }
        let body = try await request.decode(as: PatchRequest.self, context: context)
        var changes = UserChanges()
        if let role = body.role {
            guard caller.isAdmin else { throw Problem.forbidden("only an admin can change a role") }
            changes.role = role
        }
        if let name = body.name {
            changes.name = .some(
                try name.flatMap { TextRules.trimmed($0).isEmpty ? nil : try TextRules.checkedLine($0, field: "name", maximum: 200) })
        }
        if let password = body.password {
            let password = try PasswordRule.validate(password)
            // Admins set passwords; a member proves they know theirs.
            if !caller.isAdmin {
                guard let current = body.currentPassword, let stored = try await repository.passwordHash(id: id),
                    try await hasher.verify(current, against: stored)
                else {
                    throw Problem.forbidden("changing your password needs current_password, your present one")
                }
            }
            changes.passwordHash = try await hasher.hash(password)
        }
        guard let updated = try await repository.update(id: id, changes: changes) else {
            throw Problem.notFound("user_not_found", "no user with id \(id)")
        }
        return updated.seen(by: caller)
    }
}
