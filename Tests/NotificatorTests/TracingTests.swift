import AsyncHTTPClient
import InMemoryTracing
import NIOCore
import NIOHTTP1
import Notificator
import ServiceKit
import TestSupport
import Testing
import Tracing

/// The spans of one change, from the request to the mail, with the
/// in-memory tracer (W3C on the wire, as in production) across the three
/// services on real sockets.
@Suite struct TracingTests {
    @Test func aBugFiledWithAnAssigneeIsOneTraceFromTheRequestToTheMail() async throws {
        let tracer = TestTracer.installed
        let (traceID, callerSpanID) = (TestTracer.hex(16), TestTracer.hex(8))
        let sink = try await TestSMTPServer.start()
        try await ServiceHarness.withUsers { usersURL, users in
            try await ServiceHarness.withBugs(usersURL: usersURL) { bugsURL, _ in
                try await withMigratedDatabase("notificator") { database in
                    try await ServiceHarness.withNotificator(
                        database: database, sources: [SourceConfiguration(name: "bugs", url: bugsURL)],
                        mailer: try ServiceHarness.mailer(for: sink)
                    ) { _ in
                        _ = try await users.post("/users", json: #"{"email": "ann@example.com", "name": "Ann"}"#)
                        _ = try await users.post("/users", json: #"{"email": "bob@example.com", "name": "Bob"}"#)
                        var request = HTTPClientRequest(url: bugsURL + "/bugs")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(testInternalToken)")
                        request.headers.add(name: "traceparent", value: "00-\(traceID)-\(callerSpanID)-01")
                        request.body = .bytes(ByteBuffer(string: #"{"title": "Crash on save", "reporter_id": 1, "assignee_id": 2}"#))
                        // A client of our own, whose `traceparent` is the only one:
                        // AsyncHTTPClient would add its own span's.
                        var configuration = HTTPClient.Configuration()
                        configuration.tracing.tracer = nil
                        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                        let status: HTTPResponseStatus
                        do {
                            status = try await client.execute(request, timeout: .seconds(10)).status
                        } catch {
                            try await client.shutdown()
                            throw error
                        }
                        try await client.shutdown()
                        #expect(status == .created)
                        _ = try await sink.waitForMessages(1)
                        try await eventually("the delivery's span has ended") {
                            tracer.spans(inTrace: traceID).contains { $0.operationName == "deliver bug.created" }
                        }
                    }
                }
            }
        }
        await sink.stop()

        let spans = tracer.spans(inTrace: traceID)
        func one(_ name: String, _ kind: SpanKind) throws -> FinishedInMemorySpan {
            let found = spans.filter { $0.operationName == name && $0.kind == kind }
            #expect(found.count == 1, "\(name) (\(kind)): \(found.count) spans in \(spans.map(\.operationName))")
            return try #require(found.first)
        }
        // The bugs request, a child of the caller's span.
        let server = try one("POST /bugs", .server)
        #expect(server.parentSpanID == callerSpanID)
        #expect(server.attributes.get("http.route") == .string("/bugs"))
        #expect(server.attributes.get("http.response.status_code") == .int64(201))
        #expect(server.attributes.get("bugtracker.service") == .string("bugs"))
        // Its look-ups of the reporter and the assignee, each answered by
        // the users service's own span.
        let lookups = spans.filter { $0.operationName == "GET /users/{id}" && $0.kind == .client }
        let answers = spans.filter { $0.operationName == "GET /users/{id}" && $0.kind == .server }
        #expect(lookups.count == 2 && answers.count == 2)
        #expect(lookups.allSatisfy { $0.parentSpanID == server.spanID })
        #expect(Set(answers.compactMap(\.parentSpanID)) == Set(lookups.map(\.spanID)))
        #expect(answers.allSatisfy { $0.attributes.get("bugtracker.service") == .string("users") })
        // The write transaction, inside the request.
        let write = try one("create bug", .internal)
        #expect(write.parentSpanID == server.spanID)
        #expect(write.attributes.get("db.system") == .string("sqlite"))
        // The delivery, a child of the trace stored on the outbox row (the
        // request's span), with the SMTP transaction inside it.
        let deliver = try one("deliver bug.created", .consumer)
        #expect(deliver.parentSpanID == server.spanID)
        #expect(deliver.status?.code == .ok)
        #expect(deliver.attributes.get("bugtracker.service") == .string("notificator"))
        let smtp = try one("SMTP send", .client)
        #expect(smtp.parentSpanID == deliver.spanID)
        #expect(spans.allSatisfy { $0.attributes.get("bugtracker.service") != nil })
    }
}
