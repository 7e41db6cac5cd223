import AsyncHTTPClient
import Bugs
import EmbeddedMigrations
import Foundation
import HTTPTypes
import HummingbirdTesting
import Notificator
import SQLiteStore
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing
import Users

/// Outbox → relay → deliveries → mailer, with the three services and an
/// SMTP server for tests, all on real sockets.
@Suite struct NotificatorFlowTests {
    @Test func usersAndBugsMailArriveOnceEachWithTheirHeaders() async throws {
        let sink = try await TestSMTPServer.start()
        try await ServiceHarness.withUsers { usersURL, users in
            try await ServiceHarness.withBugs(usersURL: usersURL) { bugsURL, bugs in
                try await withMigratedDatabase("notificator") { database in
                    let instance = try await ServiceHarness.instanceID(of: database)
                    let sources = [SourceConfiguration(name: "users", url: usersURL), SourceConfiguration(name: "bugs", url: bugsURL)]
                    try await ServiceHarness.withNotificator(
                        database: database, sources: sources, mailer: try ServiceHarness.mailer(for: sink)
                    ) { notificator in
                        _ = try await users.post("/users", json: #"{"email": "ann@example.com", "name": "Ann"}"#)
                        _ = try await users.post("/users", json: #"{"email": "bob@example.com"}"#)
                        let filed = try await bugs.post("/bugs", json: #"{"title": "Crash on save", "reporter_id": 1, "assignee_id": 2}"#)
                        #expect(filed.status == .created)
                        let moved = try await bugs.patch("/bugs/1", json: #"{"status": "in_progress"}"#)
                        #expect(moved.status == .ok)
                        let messages = try await sink.waitForMessages(5)
                        // Nothing more comes: each was sent once.
                        try await Task.sleep(for: .milliseconds(300))
                        #expect(sink.messages.count == 5)

                        let byID = Dictionary(uniqueKeysWithValues: messages.map { ($0.header("Message-ID") ?? "", $0) })
                        #expect(
                            Set(byID.keys) == [
                                "<users.1.\(instance)@bugtracker>", "<users.2.\(instance)@bugtracker>", "<bugs.1.\(instance)@bugtracker>",
                                "<bugs.2.\(instance)@bugtracker>", "<bugs.3.\(instance)@bugtracker>",
                            ])
                        #expect(byID["<users.1.\(instance)@bugtracker>"]?.recipients == ["<ann@example.com>"])
                        #expect(byID["<users.1.\(instance)@bugtracker>"]?.header("Subject") == "Welcome to the bug tracker")
                        #expect(byID["<users.1.\(instance)@bugtracker>"]?.body.contains("Hello Ann,") == true)
                        #expect(byID["<users.1.\(instance)@bugtracker>"]?.header("References") == nil)
                        // Filed: the assignee; moved: both watchers. One thread.
                        #expect(byID["<bugs.1.\(instance)@bugtracker>"]?.recipients == ["<bob@example.com>"])
                        #expect(byID["<bugs.2.\(instance)@bugtracker>"]?.recipients == ["<ann@example.com>"])
                        #expect(byID["<bugs.3.\(instance)@bugtracker>"]?.recipients == ["<bob@example.com>"])
                        for id in 1...3 {
                            let mail = byID["<bugs.\(id).\(instance)@bugtracker>"]
                            #expect(mail?.header("Subject") == "[#1] Crash on save")
                            #expect(mail?.header("References") == "<bug-1@bugtracker>")
                        }
                        for message in messages {
                            #expect(message.header("From") == "Bug Tracker <bugtracker@localhost>")
                            #expect(message.header("Date")?.hasSuffix("+0000") == true)
                            #expect(message.mailFrom == "<bugtracker@localhost>")
                        }
                        try await eventually("every delivery is sent") {
                            let items = try await notificator.get("/deliveries?status=sent").items()
                            return items.count == 5
                        }
                    }
                }
            }
        }
        await sink.stop()
    }

    @Test func aTemporaryFailureIsRetriedAndSent() async throws {
        let sink = try await TestSMTPServer.start { $0 == 1 ? .reply(451, "greylisted, try again") : .accept }
        try await ServiceHarness.withUsers { usersURL, users in
            try await withMigratedDatabase("notificator") { database in
                let sources = [SourceConfiguration(name: "users", url: usersURL)]
                try await ServiceHarness.withNotificator(database: database, sources: sources, mailer: try ServiceHarness.mailer(for: sink))
                { notificator in
                    _ = try await users.post("/users", json: #"{"email": "ann@example.com"}"#)
                    try await sink.waitForMessages(1)
                    try await eventually("the delivery is recorded as sent") {
                        try await notificator.get("/deliveries/1").object().string("status") == "sent"
                    }
                    let delivery = try await notificator.get("/deliveries/1").object()
                    #expect(delivery.int("attempts") == 2)
                    #expect(delivery.string("last_error")?.contains("451") == true)
                    #expect(delivery.string("sent_at") != nil && delivery["next_attempt_at"] is NSNull)
                    let metrics = try await notificator.get("/metrics").text
                    #expect(metrics.contains(#"notificator_delivery_attempts_total{result="retry"} 1"#))
                    #expect(metrics.contains(#"notificator_delivery_attempts_total{result="sent"} 1"#))
                }
            }
        }
        await sink.stop()
        #expect(sink.messages.count == 1)
    }

    @Test func aPermanentFailureIsDeadUntilRetriedByHand() async throws {
        let sink = try await TestSMTPServer.start { $0 == 1 ? .reply(550, "mailbox unavailable") : .accept }
        try await ServiceHarness.withUsers { usersURL, users in
            try await withMigratedDatabase("notificator") { database in
                let sources = [SourceConfiguration(name: "users", url: usersURL)]
                try await ServiceHarness.withNotificator(database: database, sources: sources, mailer: try ServiceHarness.mailer(for: sink))
                { notificator in
                    _ = try await users.post("/users", json: #"{"email": "ann@example.com"}"#)
                    try await eventually("the delivery is dead") {
                        try await notificator.get("/deliveries/1").object().string("status") == "dead"
                    }
                    let dead = try await notificator.get("/deliveries/1").object()
                    #expect(dead.int("attempts") == 1)
                    #expect(dead.string("last_error")?.contains("550 mailbox unavailable") == true)
                    #expect(try await notificator.get("/deliveries?status=dead").items().count == 1)

                    let retried = try await notificator.post("/deliveries/1/retry", json: "")
                    #expect(retried.status == .ok)
                    #expect(try retried.object().string("status") == "pending")
                    try await sink.waitForMessages(1)
                    try await eventually("the retried delivery is sent") {
                        try await notificator.get("/deliveries/1").object().string("status") == "sent"
                    }
                    let again = try await notificator.post("/deliveries/1/retry", json: "")
                    #expect(again.status == .conflict)
                    #expect(try again.problemCode() == "delivery_not_dead")
                    let missing = try await notificator.post("/deliveries/99/retry", json: "")
                    #expect(missing.status == .notFound)
                }
            }
        }
        await sink.stop()
    }

    @Test func messagesTakenBeforeAStopAreSentAfterTheRestartOnceEach() async throws {
        let sink = try await TestSMTPServer.start()
        try await ServiceHarness.withUsers { usersURL, users in
            for index in 1...5 {
                _ = try await users.post("/users", json: #"{"email": "u\#(index)@example.com"}"#)
            }
            try await withTemporaryDirectory { directory in
                let path = directory.file("notificator.db")
                // First run: the relay takes the messages, and the process
                // stops before anything is sent.
                let first = try await Database.open(path: path)
                try await first.migrate(with: Migrator(service: "notificator", migrations: MigrationCatalog.migrations(in: "notificator")))
                let repository = SQLiteDeliveryRepository(database: first)
                let client = HTTPOutboxSource.makeClient()
                let relay = OutboxRelay(
                    source: HTTPOutboxSource(configuration: .init(name: "users", url: usersURL), token: testInternalToken, client: client),
                    deliveries: repository, cursors: repository, wakeup: Wakeup(),
                    metrics: DeliveryMetrics(metrics: ServiceMetrics()), logger: quietLogger(), pollWait: 1
                )
                let group = ServiceGroup(configuration: .init(services: [relay], logger: quietLogger()))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    try await eventually("the relay took five messages") {
                        try await repository.countsByStatus()[.pending] == 5
                    }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                try await client.shutdown()
                await first.close()
                #expect(sink.messages.isEmpty)

                // Second run, on the same database: everything is sent, once.
                let second = try await Database.open(path: path)
                let sources = [SourceConfiguration(name: "users", url: usersURL)]
                try await ServiceHarness.withNotificator(database: second, sources: sources, mailer: try ServiceHarness.mailer(for: sink)) {
                    notificator in
                    try await sink.waitForMessages(5)
                    try await eventually("all five are recorded as sent") {
                        try await notificator.get("/deliveries?status=sent").items().count == 5
                    }
                }
                await second.close()
            }
        }
        await sink.stop()
        let ids = sink.messages.compactMap { $0.header("Message-ID") }
        #expect(ids.count == 5 && Set(ids).count == 5)
    }

    @Test func aSourceThatIsDownHoldsUpNoOtherAndCatchesUpWhenBack() async throws {
        let sink = try await TestSMTPServer.start()
        let usersPort = try unusedPort()
        // The bugs service checks users against a users service of its own,
        // so that the one the notificator relays can be down.
        try await ServiceHarness.withUsers { lookupURL, lookup in
            _ = try await lookup.post("/users", json: #"{"email": "ann@example.com"}"#)
            try await ServiceHarness.withBugs(usersURL: lookupURL) { bugsURL, bugs in
                try await withMigratedDatabase("notificator") { database in
                    let instance = try await ServiceHarness.instanceID(of: database)
                    let sources = [
                        SourceConfiguration(name: "users", url: "http://127.0.0.1:\(usersPort)"),
                        SourceConfiguration(name: "bugs", url: bugsURL),
                    ]
                    try await ServiceHarness.withNotificator(
                        database: database, sources: sources, mailer: try ServiceHarness.mailer(for: sink)
                    ) { notificator in
                        _ = try await bugs.post("/bugs", json: #"{"title": "Crash", "assignee_id": 1}"#)
                        let bugMail = try await sink.waitForMessages(1)
                        #expect(bugMail.first?.header("Message-ID") == "<bugs.1.\(instance)@bugtracker>")
                        let metrics = try await notificator.get("/metrics").text
                        #expect(metrics.contains(#"notificator_source_up{source="users"} 0"#))

                        // Now the relayed users service comes up, on the port it was expected on.
                        try await ServiceHarness.withUsers(port: usersPort) { url in
                            try await ServiceHarness.post("\(url)/users", json: #"{"email": "bob@example.com"}"#)
                            let all = try await sink.waitForMessages(2, timeout: .seconds(20))
                            #expect(all.last?.header("Message-ID") == "<users.1.\(instance)@bugtracker>")
                            #expect(all.last?.recipients == ["<bob@example.com>"])
                        }
                    }
                }
            }
        }
        await sink.stop()
    }
}

@Suite struct SecretsInLogsTests {
    @Test func theInternalTokenAndSMTPPasswordNeverReachTheLogs() async throws {
        let capture = LogCapture()
        try await ServiceHarness.withUsers { usersURL, users in
            try await withMigratedDatabase("notificator") { database in
                let mailer = SMTPMailer(
                    configuration: try SMTPConfiguration(url: "smtp://mailer:smtp-secret-password@127.0.0.1:\(try unusedPort())"),
                    logger: capture.logger("smtp")
                )
                var http = testHTTPConfiguration("notificator")
                http.logger = capture.logger("notificator")
                let app = buildNotificatorService(
                    database: database,
                    options: NotificatorOptions(
                        http: http, sources: [SourceConfiguration(name: "users", url: usersURL)], internalToken: testInternalToken,
                        mailer: mailer, retry: RetryPolicy(base: .milliseconds(10), max: .milliseconds(20), maxAttempts: 2), pollWait: 1
                    )
                )
                try await app.test(.router) { client in
                    let client = client.bearer(testInternalToken)
                    _ = try await users.post("/users", json: #"{"email": "ann@example.com"}"#)
                    try await eventually("the delivery is dead") {
                        try await client.get("/deliveries/1").object().string("status") == "dead"
                    }
                }
            }
        }
        let logs = capture.text
        #expect(logs.contains("OutboxRelay(users)"))
        #expect(!logs.contains(testInternalToken))
        #expect(!logs.contains("smtp-secret-password"))
    }
}
