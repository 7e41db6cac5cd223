import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The cookies the pages keep: the session (the access token) and the
/// CSRF token that every form repeats.
///
/// CSRF is the double-submit pattern: a random value in an `HttpOnly`,
/// `SameSite=Strict` cookie, and the same value in each form's `csrf_token`
/// field. Another site can make a browser send the cookie but cannot read
/// it to put it in the form.
struct WebSession: Sendable {
    static let sessionCookie = "bugtracker_session"
    static let csrfCookie = "bugtracker_csrf"

    /// The access token, when a session cookie came.
    let token: String?
    /// The CSRF value: the cookie's (`SecurityHeadersMiddleware` makes
    /// one for a browser that has none).
    let csrf: String

    init(request: Request) {
        let token = Self.cookie(Self.sessionCookie, in: request)
        self.token = (token?.isEmpty ?? true) ? nil : token
        self.csrf = Self.cookie(Self.csrfCookie, in: request) ?? ""
    }

    /// The value of the first cookie named `name` in the request's `Cookie`
    /// headers, as Hummingbird's `request.cookies[name]?.value` reads it.
    ///
    /// Read from the headers' bytes: `request.cookies` splits and trims
    /// every cookie by `Character` each time it is read, 6% of a list page
    /// for the two cookies every page reads.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.utf8.split(separator: UInt8(ascii: ";")) {
                let trimmed = pair.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")), trimmed[..<equals].elementsEqual(name.utf8) else {
                    continue
                }
                return String(Substring(trimmed[trimmed.index(after: equals)...]))
            }
        }
        return nil
    }

    /// Whether `value` is a CSRF value this service could have made.
    static func isWellFormedCSRF(_ value: String?) -> Bool {
        guard let value, value.utf8.count == 43 else { return false }
        return Base64URL.decode(value)?.count == 32
    }

    /// 32 random bytes, base64url: 43 characters.
    static func randomValue() -> String {
        // BoringSSL's CSPRNG, in user space, as the users service's tokens
        // are made: a system call per byte cost more than a page's render.
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// Whether `submitted` (a form's `csrf_token`) is this browser's value.
    func accepts(_ submitted: String?) -> Bool {
        guard Self.isWellFormedCSRF(csrf), let submitted else { return false }
        return InternalToken.constantTimeEqual(Array(submitted.utf8), Array(csrf.utf8))
    }
}

/// How the session cookies are written.
struct CookiePolicy: Sendable {
    /// `Secure` on every cookie: the pages are served over TLS (behind a proxy).
    var secure: Bool

    func session(_ token: String, maxAge: Int) -> Cookie {
        Cookie(
            name: WebSession.sessionCookie, value: token, maxAge: maxAge, path: "/", secure: secure, httpOnly: true,
            sameSite: .lax)
    }

    func clearedSession() -> Cookie {
        Cookie(name: WebSession.sessionCookie, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func csrf(_ value: String) -> Cookie {
        Cookie(name: WebSession.csrfCookie, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}
