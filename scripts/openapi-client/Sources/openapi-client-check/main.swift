// Creates a user, signs in, files a bug and reads it back, through clients
// generated from the services' own /openapi.json. Usage:
//   openapi-client-check USERS_URL BUGS_URL
import BugsAPI
import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import UsersAPI

/// `Authorization: Bearer` on every request once signed in.
struct BearerMiddleware: ClientMiddleware {
    let token: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

struct CheckFailed: Error, CustomStringConvertible {
    let description: String
}

@main
struct OpenAPIClientCheck {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let usersURL = URL(string: arguments[1]), let bugsURL = URL(string: arguments[2]) else {
            throw CheckFailed(description: "usage: openapi-client-check USERS_URL BUGS_URL")
        }
        let transport = AsyncHTTPClientTransport()
        // The services write RFC 3339 with milliseconds (`2026-11-26T14:17:40.801Z`);
        // swift-openapi-runtime's default transcoder takes whole seconds only.
        let configuration = Configuration(dateTranscoder: .iso8601WithFractionalSeconds)
        let email = "generated-\(UInt32.random(in: 0...UInt32.max))@example.com"
        let password = "generated client password"

        let users = UsersAPI.Client(serverURL: usersURL, configuration: configuration, transport: transport)
        let created = try await users.createUser(body: .json(.init(email: email, name: "Gen", password: password))).created.body.json
        guard created.email == email else { throw CheckFailed(description: "created \(created)") }

        let token = try await users.signIn(body: .json(.init(email: email, password: password))).created.body.json
        let signedIn = UsersAPI.Client(serverURL: usersURL, configuration: configuration, transport: transport, middlewares: [BearerMiddleware(token: token.accessToken)])
        let me = try await signedIn.getCurrentUser().ok.body.json
        guard me.id == created.id else { throw CheckFailed(description: "/users/me is \(me.id), not \(created.id)") }

        let bugs = BugsAPI.Client(serverURL: bugsURL, configuration: configuration, transport: transport, middlewares: [BearerMiddleware(token: token.accessToken)])
        let filed = try await bugs.createBug(body: .json(.init(title: "Generated clients file bugs too", assigneeId: Int(created.id))))
            .created.body.json
        let read = try await bugs.getBug(path: .init(id: filed.id)).ok.body.json
        guard read.id == filed.id, read.title == "Generated clients file bugs too", read.reporterId == created.id else {
            throw CheckFailed(description: "read back \(read)")
        }
        print("openapi-client-check: ok — user \(created.id) signed in, filed bug \(filed.id) and read it back")
    }
}
