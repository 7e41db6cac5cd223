import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOHTTP1
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import BugTrackerCLI

/// A service defined here and nowhere else runs through the same command
/// line, assembly and migration runner as the real ones, with a database
/// (and the reader threads it asks for) and an outbox of its own: what adding
/// a service takes is its definition.
@Suite struct FourthServiceTests {
    struct Widget: ResponseEncodable {
        let id: Int64
        let name: String
    }

    struct NewWidget: Decodable {
        let name: String
    }

    static let migrations =
        [
            Migration(
                service: "widgets", version: 1, name: "create_widgets",
                sql: "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;")
        ] + Outbox.migrations.enumerated().map { index, migration in migration.placed(in: "widgets", version: 2 + index) }

    static let widgets = ServiceDefinition(
        name: "widgets",
        summary: "Run the widgets service alone.",
        listeners: [.init(defaultPort: 8899)],
        migrations: migrations,
        hasOutbox: true,
        databaseReaders: 3,
        options: [Outbox.retentionOption],
        build: { setup in
            let database = try setup.requireDatabase()
            let outbox = SQLiteOutboxRepository(database: database)
            let api = RouteCollection(context: ServiceRequestContext.self)
                .get("/readers") { _, _ in "\(database.configuration.readers)" }
                .post("/widgets") { request, context -> EditedResponse<Widget> in
                    let name = try await request.decode(as: NewWidget.self, context: context).name
                    let widget = try await outbox.write { connection, mails in
                        try connection.execute("INSERT INTO widgets (name) VALUES (?)", [.text(name)])
                        let widget = Widget(id: connection.lastInsertRowID, name: name)
                        try mails.append(MailDraft(topic: "widget.made", recipient: "ann@example.com", subject: name, body: "A widget."))
                        return widget
                    }
                    return EditedResponse(status: .created, response: widget)
                }
            return [
                Outbox.application(
                    api: api, outbox: outbox, openAPIDocument: Array(#"{"openapi": "3.1.0"}"#.utf8),
                    isReady: {
                        (try? await database.read { try Migrator(service: "widgets", migrations: migrations).verify(on: $0) }) != nil
                    },
                    options: try OutboxServiceOptions(setup), routes: RouteTable()
                )
            ]
        }
    )

    func call(_ method: HTTPMethod, _ url: String, body: String? = nil, token: String? = nil) async throws -> (UInt, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: bytes))
    }

    @Test func aServiceDefinedInATestRunsThroughTheSameAssembly() async throws {
        let catalog = [Self.widgets]
        try await withTemporaryDirectory("fourth-service") { directory in
            let path = directory.file("widgets.db")
            // The migration runner: `bugtracker-migrate up --service widgets`.
            let migrated = await MigrateTool.tool(catalog: catalog).run(["up", "--service", "widgets", "--db", path], environment: [:])
            #expect(migrated == 0)

            // The command line knows it: its own command and its dev port.
            guard
                case .help(let help) = try BugTrackerTool.tool(catalog: catalog).parse(
                    ["dev", "--help"], environment: [:], isProcessMain: false)
            else { throw TestFailure("no help") }
            #expect(help.contains("--widgets-port"))

            let port = try unusedPort()
            let server = Task {
                await BugTrackerTool.tool(catalog: catalog).run(
                    ["widgets", "--db", path, "--port", String(port), "--internal-token", testInternalToken, "--log-level", "critical"],
                    environment: [:]
                )
            }
            defer { server.cancel() }
            let base = "http://127.0.0.1:\(port)"
            var ready = false
            for _ in 0..<200 where !ready {
                ready = (try? await call(.GET, base + "/ready"))?.0 == 200
                if !ready { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(ready)
            let (status, body) = try await call(.POST, base + "/widgets", body: #"{"name": "sprocket"}"#)
            #expect(status == 201 && body == #"{"id":1,"name":"sprocket"}"#)
            let (feedStatus, feed) = try await call(.GET, base + "/internal/outbox?after=0", token: testInternalToken)
            #expect(feedStatus == 200 && feed.contains(#""subject":"sprocket""#))
            // The reader threads it asked for, not the default.
            #expect(try await call(.GET, base + "/readers") == (200, "3"))
            server.cancel()
            #expect(await server.value == 0)
        }
    }
}
