import HTTPTypes
import Hummingbird
import Logging
import ServiceKit

/// What every response of the pages carries for the browser's safety: a
/// Content-Security-Policy that allows no inline script or style and no
/// framing, `X-Frame-Options`, `nosniff`, a same-origin referrer; and the
/// CSRF cookie for a browser that has none yet.
///
/// A new CSRF value is put into the request's own `Cookie` header too, so
/// the page rendered for this very request carries the value the browser
/// is about to store.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let pages: PageContext

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var newCSRF: String?
        if !WebSession.isWellFormedCSRF(WebSession.cookie(WebSession.csrfCookie, in: request)) {
            let value = WebSession.randomValue()
            let existing = request.headers[.cookie].map { $0 + "; " } ?? ""
            var head = request.head
            head.headerFields[.cookie] = existing + "\(WebSession.csrfCookie)=\(value)"
            request = Request(head: head, body: request.body)
            newCSRF = value
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // A person gets a page, not problem+json: an unknown address, a
            // form too large.
            response = errorPage(error, request: request)
        } catch let error as APIUnavailable {
            // The one place a page meets a service that does not answer.
            let session = WebSession(request: request)
            response = pages.unavailable(error, session: session, signedIn: (try? await pages.signedIn(session)) ?? nil)
        } catch {
            // Logged with its detail; the person gets a page without it.
            context.logger.error("the page failed", metadata: ["error": "\(String(reflecting: error))"])
            response = pages.message(
                "Something went wrong", "Nothing was changed. Try again in a moment.", status: .internalServerError,
                session: WebSession(request: request), signedIn: nil)
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        if let newCSRF { response.setCookie(pages.cookies.csrf(newCSRF)) }
        return response
    }

    private func errorPage(_ error: any HTTPResponseError, request: Request) -> Response {
        let session = WebSession(request: request)
        let (heading, text): (String, String)
        switch error.status {
        case .notFound: (heading, text) = ("Page not found", "There is no page at this address.")
        case .methodNotAllowed: (heading, text) = ("Not here", "This address does not take that kind of request.")
        case .contentTooLarge: (heading, text) = ("Too much text", "What was sent is larger than the pages take. Nothing was changed.")
        default: (heading, text) = ("Something is wrong with this request", "Nothing was changed. Go back and try again.")
        }
        let response = pages.message(heading, text, status: error.status, session: session, signedIn: nil)
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
