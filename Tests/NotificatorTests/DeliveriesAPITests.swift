import EmbeddedMigrations
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Outbox
import SQLiteStore
import ServiceKit
import Synchronization
import TestSupport
import Testing

@testable import Notificator

/// A mailer that keeps what it is given.
final class RecordingMailer: Mailer {
    private let sent = Mutex<[OutgoingMail]>([])
    var mails: [OutgoingMail] { sent.withLock { $0 } }

    func send(_ mail: OutgoingMail) async throws(MailerError) {
        sent.withLock { $0.append(mail) }
    }
}

@Suite struct DeliveriesAPITests {
    /// The notificator's API on a database holding `taken` (as relayed from
    /// the named source) before it starts.
    func withNotificatorAPI(
        taken: [(source: String, messages: [OutboxMessage])] = [],
        _ test: @escaping @Sendable (any TestClientProtocol, SQLiteDeliveryRepository) async throws -> Void
    ) async throws {
        try await withMigratedDatabase("notificator") { database in
            let repository = SQLiteDeliveryRepository(database: database)
            for (source, messages) in taken {
                try await repository.ingest(messages, from: source, upTo: messages.map(\.id).max() ?? 0)
            }
            let routes = RouteTable()
            let app = buildNotificatorService(
                database: database,
                options: NotificatorOptions(
                    http: testHTTPConfiguration(), sources: [], internalToken: testInternalToken, mailer: RecordingMailer()),
                routes: routes
            )
            try await app.test(.router) { client in
                let document = try await client.get("/openapi.json")
                let problems = try OpenAPIConformance.problems(document: Data(document.body.readableBytesView), routes: routes.all)
                #expect(problems == [])
                #expect(
                    try await OpenAPIConformance.securityProblems(document: Data(document.body.readableBytesView), client: client) == [])
                try await test(client.bearer(testInternalToken), repository)
            }
        }
    }

    func message(_ id: Int64, to recipient: String) -> OutboxMessage {
        OutboxMessage(id: id, topic: "user.welcome", recipient: recipient, subject: "Welcome", body: "Hi", createdAt: .now())
    }

    @Test func listsFiltersAndPages() async throws {
        let taken = [
            ("users", [message(1, to: "ann@example.com"), message(2, to: "bob@example.com")]),
            ("bugs", [message(1, to: "ann@example.com")]),
        ]
        try await withNotificatorAPI(taken: taken) { client, repository in
            try await eventually("all are sent") { try await repository.countsByStatus()[.sent] == 3 }
            let delivery = try await client.get("/deliveries/1").object()
            #expect(
                Set(delivery.keys) == [
                    "id", "source", "source_message_id", "topic", "recipient", "subject", "status", "attempts", "last_error",
                    "next_attempt_at", "created_at", "sent_at",
                ])
            #expect(try await client.get("/deliveries?recipient=ann@example.com").items().count == 2)
            #expect(try await client.get("/deliveries?source=bugs&recipient=ann@example.com").items().count == 1)
            let page = try await client.get("/deliveries?limit=2").object()
            #expect((page["items"] as? [Any])?.count == 2 && page.string("next_cursor") != nil)
        }
    }

    @Test(arguments: ["status=lost", "limit=0", "cursor=nope", "colour=red"])
    func badParametersAre400(query: String) async throws {
        try await withNotificatorAPI { client, _ in
            let response = try await client.get("/deliveries?\(query)")
            #expect(response.status == .badRequest)
            #expect(try response.problemCode() == "invalid_parameter")
        }
    }

    @Test func deliveriesAreForAdminsAndServices() async throws {
        let tokens = await TestTokens()
        try await withMigratedDatabase("notificator") { database in
            let app = buildNotificatorService(
                database: database,
                options: NotificatorOptions(
                    http: testHTTPConfiguration(), sources: [], internalToken: testInternalToken, mailer: RecordingMailer(), keys: tokens)
            )
            try await app.test(.router) { client in
                let member = client.bearer(try await tokens.token(for: 1))
                let admin = client.bearer(try await tokens.token(for: 2, role: .admin))
                for (method, path) in [(HTTPRequest.Method.get, "/deliveries"), (.get, "/deliveries/1"), (.post, "/deliveries/1/retry")] {
                    let anonymous = try await client.send(method, path)
                    #expect(anonymous.status == .unauthorized, "\(method) \(path)")
                    #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
                    let refused = try await member.send(method, path)
                    #expect(refused.status == .forbidden, "\(method) \(path)")
                    #expect(try refused.problemCode() == "forbidden")
                }
                #expect(try await admin.get("/deliveries").status == .ok)
                #expect(try await client.bearer(testInternalToken).get("/deliveries").status == .ok)
                // The operational routes stay open.
                #expect(try await client.get("/health").status == .ok)
            }
        }
    }

    @Test func unknownDeliveriesAre404() async throws {
        try await withNotificatorAPI { client, _ in
            for path in ["/deliveries/5", "/deliveries/x"] {
                let response = try await client.get(path)
                #expect(response.status == .notFound)
                #expect(try response.problemCode() == "delivery_not_found")
            }
            let wrongMethod = try await client.send(.get, "/deliveries/1/retry")
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers[.allow] == "POST")
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct JobBoardAndWakeupTests {
    // Sleeps of an hour: a wake-up that is lost fails the test by its time
    // limit, without the test timing anything itself.

    @Test func aWakeupBeforeTheSleepIsKept() async {
        let wakeup = Wakeup()
        wakeup.wake()
        await wakeup.sleep(for: .seconds(3600))
        #expect(wakeup.sleeperCount == 0)
    }

    @Test func aSleepEndsWhenWoken() async {
        let wakeup = Wakeup()
        let sleeper = Task { await wakeup.sleep(for: .seconds(3600)) }
        while wakeup.sleeperCount == 0 { await Task.yield() }
        wakeup.wake()
        await sleeper.value
        // Woken while asleep: nothing is kept for the next sleep.
        #expect(!wakeup.hasPendingWake)
    }

    @Test func everySleeperIsWoken() async {
        let wakeup = Wakeup()
        let sleepers = (0..<3).map { _ in Task { await wakeup.sleep(for: .seconds(3600)) } }
        while wakeup.sleeperCount < 3 { await Task.yield() }
        wakeup.wake()
        for sleeper in sleepers { await sleeper.value }
        #expect(wakeup.sleeperCount == 0 && wakeup.leftoverCount == 0)
    }

    @Test func aSleepThatTimesOutOrIsCancelledLeavesNothingBehind() async {
        let wakeup = Wakeup()
        await wakeup.sleep(for: .milliseconds(1))
        let cancelled = Task { await wakeup.sleep(for: .seconds(3600)) }
        while wakeup.sleeperCount == 0 { await Task.yield() }
        cancelled.cancel()
        await cancelled.value
        #expect(wakeup.sleeperCount == 0 && wakeup.leftoverCount == 0)
    }

    @Test func aSleepWithoutTimerKeepsAnEarlierWakeupAndEndsWhenWoken() async {
        let wakeup = Wakeup()
        wakeup.wake()
        await wakeup.sleep()
        #expect(!wakeup.hasPendingWake)
        let sleeper = Task { await wakeup.sleep() }
        while wakeup.sleeperCount == 0 { await Task.yield() }
        wakeup.wake()
        await sleeper.value
        #expect(wakeup.sleeperCount == 0 && !wakeup.hasPendingWake)
    }

    @Test func aSleepWithoutTimerEndsWhenCancelledBeforeOrDuringItAndLeavesNothingBehind() async {
        let wakeup = Wakeup()
        let during = Task { await wakeup.sleep() }
        while wakeup.sleeperCount == 0 { await Task.yield() }
        during.cancel()
        await during.value
        let before = Task {
            // Cancelled before it sleeps: it must not wait for a wake-up.
            while !Task.isCancelled { await Task.yield() }
            await wakeup.sleep()
        }
        before.cancel()
        await before.value
        #expect(wakeup.sleeperCount == 0 && wakeup.leftoverCount == 0)
    }

    @Test func idleTimeoutsLeaveNoAbandonedWaitBehind() async {
        let board = JobBoard<Int>()
        for _ in 0..<20 {
            #expect(await board.next(timeout: .milliseconds(1)) == nil)
        }
        #expect(board.abandonedCount == 0)
        // And the board still hands jobs over.
        #expect(board.put(7))
        #expect(await board.next(timeout: .seconds(3600)) == 7)
    }
}
