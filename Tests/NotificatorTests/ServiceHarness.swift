import AsyncHTTPClient
import Bugs
import EmbeddedMigrations
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOCore
import NIOHTTP1
import Notificator
import Outbox
import SQLiteStore
import ServiceKit
import ServiceLifecycle
import TestSupport
import Users

/// The three services, in this process, on temporary databases and real
/// sockets: what the notificator's flow tests stand on.
enum ServiceHarness {
    /// The users service, live on a free port.
    static func withUsers(
        _ body: @escaping @Sendable (_ url: String, _ client: any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration("users"), internalToken: testInternalToken)
            )
            try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)", client.bearer(testInternalToken)) }
        }
    }

    /// The users service on exactly `port` (the live test framework always
    /// picks its own), run as it runs in production; `body` gets its URL.
    static func withUsers(port: Int, _ body: @escaping @Sendable (_ url: String) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in try await withUsers(port: port, database: database, body) }
    }

    /// The users service on exactly `port` over `database` (which outlives
    /// it, as a volume outlives a restarted container).
    static func withUsers(port: Int, database: Database, _ body: @escaping @Sendable (_ url: String) async throws -> Void) async throws {
        let listening = AsyncStream<Int>.makeStream()
        var http = testHTTPConfiguration("users") { port in listening.continuation.yield(port) }
        http.port = port
        let options = UsersServiceOptions(http: http, internalToken: testInternalToken, hasher: PasswordHasher(costLog2: 4))
        let app = try await buildUsersService(database: database, options: options)
        try await withRunningService(app, listening: listening.stream) { bound in try await body("http://127.0.0.1:\(bound)") }
    }

    /// Sends `json` (if any) to `url` with `token` (if any); the status code
    /// and the body as a JSON object (empty when it is not one).
    static func call(
        _ method: HTTPMethod, _ url: String, json: String? = nil, token: String? = nil
    ) async throws -> (status: Int, body: [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json { request.body = .bytes(ByteBuffer(string: json)) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        return (Int(response.status.code), object ?? [:])
    }

    /// POSTs `json` to `url` and returns the status code.
    @discardableResult
    static func post(_ url: String, json: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// The bugs service, live, checking users at `usersURL`.
    static func withBugs(
        usersURL: String,
        _ body: @escaping @Sendable (_ url: String, _ client: any TestClientProtocol) async throws -> Void
    ) async throws {
        let users = HTTPUsersClient(baseURL: usersURL, internalToken: testInternalToken)
        do {
            try await withMigratedDatabase("bugs") { database in
                let app = buildBugsService(
                    database: database, users: users,
                    options: BugsServiceOptions(
                        http: testHTTPConfiguration("bugs"), internalToken: testInternalToken, keys: NoPublishedKeys())
                )
                try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)", client.bearer(testInternalToken)) }
            }
        } catch {
            await users.shutdown()
            throw error
        }
        await users.shutdown()
    }

    /// The notificator on `database` relaying `sources` into `mailer`;
    /// `body` gets its API through the router.
    static func withNotificator(
        database: Database,
        sources: [SourceConfiguration],
        mailer: any Mailer,
        retry: RetryPolicy = RetryPolicy(base: .milliseconds(20), max: .milliseconds(100), maxAttempts: 5),
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let app = buildNotificatorService(
            database: database,
            options: NotificatorOptions(
                http: testHTTPConfiguration("notificator"), sources: sources, internalToken: testInternalToken,
                mailer: mailer, retry: retry, pollWait: 2
            )
        )
        try await app.test(.router) { client in try await body(client.bearer(testInternalToken)) }
    }

    /// A mailer sending to `sink`.
    static func mailer(for sink: TestSMTPServer) throws -> SMTPMailer {
        var configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:\(sink.port)")
        configuration.commandTimeout = .seconds(5)
        return SMTPMailer(configuration: configuration, logger: quietLogger())
    }

    /// The notificator database's instance id, the last part of its Message-IDs.
    static func instanceID(of database: Database) async throws -> String {
        try await database.read { connection in
            try connection.queryFirst("SELECT instance_id FROM installation") { try $0.text("instance_id") } ?? ""
        }
    }
}
