import Bugs
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import ServiceKit
import TestSupport
import Users
import Web

/// The web pages over a real users and bugs service (temporary databases,
/// real sockets), as the pages' tests use them.
enum WebSystem {
    /// `body` gets a browser for the pages (through the router) and the
    /// users service's URL.
    static func run(_ body: @escaping @Sendable (_ web: any TestClientProtocol, _ usersURL: String) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { usersDatabase in
            let users = try await buildUsersService(
                database: usersDatabase,
                options: UsersServiceOptions(
                    http: testHTTPConfiguration("users"), internalToken: testInternalToken, hasher: PasswordHasher(costLog2: 4),
                    links: PasswordLinks(webURL: "http://pages.test")))
            try await users.test(.live) { usersClient in
                let usersURL = "http://127.0.0.1:\(usersClient.port!)"
                let lookups = HTTPUsersClient(baseURL: usersURL, internalToken: testInternalToken)
                do {
                    try await withMigratedDatabase("bugs") { bugsDatabase in
                        let bugs = buildBugsService(
                            database: bugsDatabase, users: lookups,
                            options: BugsServiceOptions(
                                http: testHTTPConfiguration("bugs"), internalToken: testInternalToken,
                                keys: JWKSClient(usersURL: usersURL, logger: quietLogger())))
                        try await bugs.test(.live) { bugsClient in
                            let web = try buildWebService(
                                options: WebServiceOptions(
                                    http: testHTTPConfiguration("web"), usersURL: usersURL,
                                    bugsURL: "http://127.0.0.1:\(bugsClient.port!)",
                                    keys: JWKSClient(usersURL: usersURL, logger: quietLogger())))
                            try await web.test(.router) { webClient in try await body(webClient, usersURL) }
                        }
                    }
                } catch {
                    await lookups.shutdown()
                    throw error
                }
                await lookups.shutdown()
            }
        }
    }
}

/// One person's browser: keeps the cookies the pages set, sends them back,
/// and puts the CSRF value into every form it posts.
final class Browser: @unchecked Sendable {
    // Used by one test's task at a time; the lock-free state is fine there.
    private(set) var cookies: [String: String] = [:]
    let client: any TestClientProtocol

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    var csrf: String { cookies["bugtracker_csrf"] ?? "" }

    @discardableResult
    func get(_ path: String) async throws -> TestResponse {
        try await send(.get, path, body: nil)
    }

    /// Posts `fields` as a form, with this browser's CSRF value unless
    /// `csrf` says otherwise.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf: String? = nil) async throws -> TestResponse {
        var all = fields
        all.append(("csrf_token", csrf ?? self.csrf))
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.post, path, body: body)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.executeRequest(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A new browser on `client`, signed up (so signed in) with `email`,
    /// named `name`.
    static func signedUp(
        _ email: String, name: String, password: String = "correct-horse-battery", on client: any TestClientProtocol
    ) async throws -> Browser {
        let browser = Browser(client)
        try await browser.signUp(email, name: name, password: password)
        return browser
    }

    /// Signs up (which signs in) with `email`, named `name`.
    func signUp(_ email: String, name: String, password: String = "correct-horse-battery") async throws {
        if cookies["bugtracker_csrf"] == nil { try await get("/signup") }
        let response = try await post("/signup", [("email", email), ("name", name), ("password", password)])
        guard response.status == .seeOther, cookies["bugtracker_session"] != nil else {
            throw TestFailure("sign-up of \(email) answered \(response.status): \(response.text.prefix(300))")
        }
    }

    /// Files a bug through the form; its id.
    func fileBug(_ fields: [(String, String)]) async throws -> Int {
        try await get("/bugs/new")
        let response = try await post("/bugs/new", fields)
        guard response.status == .seeOther, let location = response.headers[.location], location.hasPrefix("/bugs/"),
            let id = Int(location.dropFirst(6))
        else { throw TestFailure("filing answered \(response.status): \(response.text.prefix(300))") }
        return id
    }
}
