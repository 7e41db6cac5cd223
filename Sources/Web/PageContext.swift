import Foundation
import Hummingbird
import Identity
import ServiceKit

/// The person a page is for: their access token and what it says.
struct SignedIn: Sendable {
    let token: String
    let user: Caller.SignedInUser
}

/// What every page is rendered with, and the helpers the pages share.
struct PageContext: Sendable {
    let api: APIClient
    /// The people the pages name, kept for a moment and shared by every page.
    let people: PeopleDirectory
    let verifier: TokenVerifier
    let renderer: PageRenderer
    let cookies: CookiePolicy

    /// The signed-in person, when the session cookie holds a token that is
    /// still good; nil when there is none or it has expired. Throws
    /// `APIUnavailable` when it cannot be checked now.
    func signedIn(_ session: WebSession) async throws -> SignedIn? {
        guard let token = session.token else { return nil }
        do {
            return SignedIn(token: token, user: try await verifier.verify(token))
        } catch is TokenRejection {
            return nil
        } catch is KeysUnavailable {
            // The token cannot be checked while the users service is down
            // and its keys are not known yet.
            throw APIUnavailable(service: APIClient.Target.users.rawValue)
        }
    }

    /// To the sign-in page, coming back to `request`'s page afterwards; the
    /// stale session cookie goes.
    func toSignIn(from request: Request, notice: String? = "expired") -> Response {
        var target = "/signin" + APIClient.query([("next", Self.pageAddress(request))])
        if let notice, WebSession.cookie(WebSession.sessionCookie, in: request) != nil {
            target += "&notice=" + notice
        }
        var response = Response.redirect(to: target, type: .normal)
        if WebSession.cookie(WebSession.sessionCookie, in: request) != nil { response.setCookie(cookies.clearedSession()) }
        return response
    }

    /// The path and query of the page asked for (`/bugs?status=open`);
    /// for a POST, the page the form was on.
    static func pageAddress(_ request: Request) -> String {
        if request.method == .post {
            let path = request.uri.path
            for suffix in ["/comments", "/edit", "/watch", "/unwatch", "/password"] where path.hasSuffix(suffix) {
                return String(path.dropLast(suffix.count))
            }
            return path
        }
        return request.uri.description
    }

    /// `next` as given to the sign-in page, when it is a page of this site:
    /// a path, never another origin (`//evil.example` or `https://…`).
    static func localTarget(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
            !next.contains(where: { $0.isNewline || $0 == "\\" })
        else { return "/" }
        return next
    }

    /// The values every page has: who is signed in, the CSRF value, the title.
    func base(_ title: String, session: WebSession, signedIn: SignedIn?) -> [String: Any] {
        var values: [String: Any] = ["title": title, "csrf": session.csrf]
        if let signedIn {
            values["me"] = ["id": signedIn.user.id, "email": signedIn.user.email, "admin": signedIn.user.role == .admin]
        }
        return values
    }

    /// A page that says one thing: `heading`, `text`, and a link onward.
    func message(
        _ heading: String, _ text: String, status: HTTPResponse.Status, session: WebSession, signedIn: SignedIn?,
        link: (href: String, label: String)? = ("/", "Back to the bugs")
    ) -> Response {
        var values = base(heading, session: session, signedIn: signedIn)
        values["heading"] = heading
        values["text"] = text
        if let link { values["link"] = ["href": link.href, "label": link.label] }
        return renderer.page("message", values, status: status)
    }

    /// The page for a service that did not answer.
    func unavailable(_ error: APIUnavailable, session: WebSession, signedIn: SignedIn?) -> Response {
        message(
            "Try again in a moment",
            "The \(error.service) service is not answering. Nothing was changed; reload the page to try again.",
            status: .serviceUnavailable, session: session, signedIn: signedIn, link: nil)
    }

    /// The refusal of a form whose CSRF token is missing or wrong.
    func csrfRefused(session: WebSession, signedIn: SignedIn?) -> Response {
        message(
            "This form has expired",
            "The form was not sent from this site, or was opened before your browser's session began. Nothing was changed; go back, reload the page and send it again.",
            status: .forbidden, session: session, signedIn: signedIn)
    }

    /// A response that signs the person in: the session cookie, then `target`.
    func signIn(token: String, expiresIn: Int, then target: String) -> Response {
        var response = Response.redirect(to: target, type: .normal)
        response.setCookie(cookies.session(token, maxAge: max(1, expiresIn)))
        return response
    }
}

/// Field errors for a form: the API's problem placed next to the field it
/// concerns, or at the top of the form.
enum FormErrors {
    static func values(for problem: APIProblem, fields: Set<String>) -> [String: Any] {
        if let field = problem.field, fields.contains(field) {
            return [field: sentence(problem.detail)]
        }
        return ["form": sentence(problem.detail)]
    }

    /// `title must be 1 to 200 characters` → `Title must be 1 to 200 characters.`
    static func sentence(_ detail: String) -> String {
        guard let first = detail.first else { return detail }
        let text = first.uppercased() + detail.dropFirst()
        return text.hasSuffix(".") ? text : text + "."
    }
}
