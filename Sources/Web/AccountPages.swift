import Foundation
import Hummingbird
import NIOHTTP1
import ServiceKit

/// Signing up, in and out; setting or resetting a password from a mail's
/// token; your own page.
struct AccountPages: Sendable {
    let pages: PageContext

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .get("/signin", use: signInForm)
            .post("/signin", use: signIn)
            .get("/signup", use: signUpForm)
            .post("/signup", use: signUp)
            .post("/signout", use: signOut)
            .get("/password-reset", use: passwordResetForm)
            .post("/password-reset", use: requestPasswordReset)
            .post("/password-reset/confirm", use: confirmPasswordReset)
            .get("/me", use: me)
            .post("/me", use: updateMe)
            .post("/me/password", use: changePassword)
    }

    /// Fixed sentences the sign-in page may show; `notice=` names one, so
    /// no text from the address reaches the page.
    static let notices = [
        "expired": "Your session has ended. Sign in again to go on where you were.",
        "password-set": "Your password is set. Sign in with it.",
        "signed-out": "You are signed out.",
    ]

    /// A form anyone may post (signing in or up, the password pages): the
    /// CSRF check, then `handle`.
    private func publicForm(
        _ request: Request, handle: (WebSession, FormData) async throws -> Response
    ) async throws -> Response {
        let session = WebSession(request: request)
        let form = try await FormData.read(request)
        guard session.accepts(form["csrf_token"]) else { return pages.csrfRefused(session: session, signedIn: nil) }
        return try await handle(session, form)
    }

    // MARK: Sign in

    @Sendable func signInForm(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        let next = PageContext.localTarget(request.uri.queryParameters["next"].map(String.init))
        // Signed in already (another tab signed in): straight on.
        if try await pages.signedIn(session) != nil { return Response.redirect(to: next, type: .normal) }
        var values = pages.base("Sign in", session: session, signedIn: nil)
        values["next"] = next
        if let notice = request.uri.queryParameters["notice"].flatMap({ Self.notices[String($0)] }) { values["notice"] = notice }
        return pages.renderer.page("signin", values)
    }

    @Sendable func signIn(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await publicForm(request) { session, form in
            let next = PageContext.localTarget(form["next"])
            let response = try await pages.api.call(
                .POST, .users, "/tokens", token: nil, json: ["email": form.text("email"), "password": form.text("password")],
                identity: context.outgoing)
            if response.isSuccess, let token = response.object["access_token"] as? String {
                return pages.signIn(token: token, expiresIn: response.object["expires_in"] as? Int ?? 3600, then: next)
            }
            var values = pages.base("Sign in", session: session, signedIn: nil)
            values["next"] = next
            values["values"] = ["email": form.text("email")]
            let problem = response.problem ?? APIProblem(status: response.status, code: "error", detail: "sign-in failed")
            values["errors"] =
                problem.code == "invalid_credentials"
                ? ["password": "The e-mail or the password is not right."]
                : FormErrors.values(for: problem, fields: ["email", "password"])
            return pages.renderer.page("signin", values, status: problem.status == 429 ? .tooManyRequests : .unauthorized)
        }
    }

    @Sendable func signOut(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        let form = try await FormData.read(request)
        guard session.accepts(form["csrf_token"]) else { return pages.csrfRefused(session: session, signedIn: nil) }
        var response = Response.redirect(to: "/signin?notice=signed-out", type: .normal)
        response.setCookie(pages.cookies.clearedSession())
        return response
    }

    // MARK: Sign up

    @Sendable func signUpForm(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        return pages.renderer.page("signup", pages.base("Sign up", session: session, signedIn: nil))
    }

    @Sendable func signUp(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await publicForm(request) { session, form in
            let (email, name, password) = (form.text("email"), form.text("name"), form.text("password"))
            var values = pages.base("Sign up", session: session, signedIn: nil)
            values["values"] = ["email": email, "name": name]
            // The API takes a password-less sign-up (a set-password mail follows);
            // a person at a form means to choose one now.
            if password.isEmpty {
                values["errors"] = ["password": "Choose a password of at least 8 characters."]
                return pages.renderer.page("signup", values, status: .badRequest)
            }
            var body: [String: Any] = ["email": email, "password": password]
            if !name.trimmingCharacters(in: .whitespaces).isEmpty { body["name"] = name }
            let created = try await pages.api.call(.POST, .users, "/users", token: nil, json: body, identity: context.outgoing)
            guard created.isSuccess else {
                let problem = created.problem!
                values["errors"] = FormErrors.values(for: problem, fields: ["email", "name", "password"])
                return pages.renderer.page("signup", values, status: HTTPResponse.Status(code: problem.status))
            }
            pages.people.forget()
            let signedIn = try await pages.api.call(
                .POST, .users, "/tokens", token: nil, json: ["email": email, "password": password], identity: context.outgoing)
            guard signedIn.isSuccess, let token = signedIn.object["access_token"] as? String else {
                return Response.redirect(to: "/signin", type: .normal)
            }
            return pages.signIn(token: token, expiresIn: signedIn.object["expires_in"] as? Int ?? 3600, then: "/")
        }
    }

    // MARK: Passwords from a mail

    @Sendable func passwordResetForm(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        var values = pages.base("Set a password", session: session, signedIn: nil)
        if let token = request.uri.queryParameters["token"] {
            values["token"] = String(token)
        }
        return pages.renderer.page("password_reset", values)
    }

    @Sendable func requestPasswordReset(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await publicForm(request) { session, form in
            let response = try await pages.api.call(
                .POST, .users, "/password-resets", token: nil, json: ["email": form.text("email")], identity: context.outgoing)
            guard response.isSuccess else {
                var values = pages.base("Set a password", session: session, signedIn: nil)
                values["values"] = ["email": form.text("email")]
                values["errors"] = FormErrors.values(for: response.problem!, fields: ["email"])
                return pages.renderer.page("password_reset", values, status: HTTPResponse.Status(code: response.status))
            }
            return pages.message(
                "Check your mail",
                "If \(form.text("email")) has an account, a mail with a link to set a new password is on its way. The link works for an hour.",
                status: .ok, session: session, signedIn: nil, link: ("/signin", "Back to sign in"))
        }
    }

    @Sendable func confirmPasswordReset(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await publicForm(request) { session, form in
            let response = try await pages.api.call(
                .POST, .users, "/password-resets/confirm", token: nil,
                json: ["token": form.text("token"), "password": form.text("password")], identity: context.outgoing)
            guard response.isSuccess else {
                var values = pages.base("Set a password", session: session, signedIn: nil)
                values["token"] = form.text("token")
                let problem = response.problem!
                values["errors"] =
                    problem.code == "invalid_reset_token"
                    ? ["form": "This link is spent or has expired. Ask for a new one below."]
                    : FormErrors.values(for: problem, fields: ["password"])
                if problem.code == "invalid_reset_token" { values["token"] = nil }
                return pages.renderer.page("password_reset", values, status: HTTPResponse.Status(code: response.status))
            }
            return Response.redirect(to: "/signin?notice=password-set", type: .normal)
        }
    }

    // MARK: Your own page

    @Sendable func me(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request) }
        let saved: [String: Any] = request.uri.queryParameters["saved"] == nil ? [:] : ["notice": "Saved."]
        return try await mePage(request, session: session, signedIn: signedIn, context: context, extra: saved)
    }

    private func mePage(
        _ request: Request, session: WebSession, signedIn: SignedIn, context: ServiceRequestContext,
        extra: [String: Any] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let response = try await pages.api.call(.GET, .users, "/users/me", token: signedIn.token, identity: context.outgoing)
        if response.status == 401 { return pages.toSignIn(from: request) }
        var values = pages.base("Your account", session: session, signedIn: signedIn)
        let user = response.object
        values["user"] = user
        values["role"] = Presentation.word(user["role"] as? String ?? "member")
        values["since"] = Presentation.time(user["created_at"])
        values.merge(extra) { $1 }
        if values["values"] == nil { values["values"] = ["name": user["name"] as? String ?? ""] }
        return pages.renderer.page("me", values, status: status)
    }

    @Sendable func updateMe(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await changeAccount(request, context: context) { form in
            let name = form.text("name")
            return name.trimmingCharacters(in: .whitespaces).isEmpty ? ["name": NSNull()] : ["name": name]
        }
    }

    @Sendable func changePassword(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await changeAccount(request, context: context) { form in
            ["password": form.text("password"), "current_password": form.text("current_password")]
        }
    }

    /// PATCHes the signed-in person with what `body` makes of the form.
    private func changeAccount(
        _ request: Request, context: ServiceRequestContext, body: (FormData) -> [String: Any]
    ) async throws -> Response {
        let session = WebSession(request: request)
        let form = try await FormData.read(request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request) }
        guard session.accepts(form["csrf_token"]) else { return pages.csrfRefused(session: session, signedIn: signedIn) }
        let response = try await pages.api.call(
            .PATCH, .users, "/users/\(signedIn.user.id)", token: signedIn.token, json: body(form), identity: context.outgoing)
        if response.status == 401 { return pages.toSignIn(from: request) }
        if response.isSuccess { pages.people.forget() }
        guard response.isSuccess else {
            let problem = response.problem!
            var errors = FormErrors.values(for: problem, fields: ["name", "password", "current_password"])
            if problem.code == "forbidden" { errors = ["current_password": "Your current password is not right."] }
            return try await mePage(
                request, session: session, signedIn: signedIn, context: context,
                extra: ["errors": errors, "values": ["name": form.text("name")]],
                status: HTTPResponse.Status(code: problem.status))
        }
        return Response.redirect(to: "/me?saved=1", type: .normal)
    }
}
