import EmbeddedMigrations
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOSSL
import Outbox
import SQLiteStore
import ServiceKit
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import Users

@testable import Notificator

/// A mailer that fails as told, then sends.
final class ScriptedMailer: Mailer, Sendable {
    private let failures: Mutex<[MailerError]>
    let sent = Mutex<[String]>([])

    init(failing failures: [MailerError]) {
        self.failures = Mutex(failures)
    }

    func send(_ mail: OutgoingMail) async throws(MailerError) {
        if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        sent.withLock { $0.append(mail.messageID) }
    }
}

@Suite(.timeLimit(.minutes(1))) struct MailSetupTests {
    func message(_ id: Int64) -> OutboxMessage {
        OutboxMessage(id: id, topic: "user.welcome", recipient: "r\(id)@example.com", subject: "Hello", body: "Hi", createdAt: .now())
    }

    @Test func aBrokenSetupPausesSendingWithoutSpendingAttemptsAndLogsOncePerOutage() async throws {
        try await withMigratedDatabase("notificator") { database in
            let repository = SQLiteDeliveryRepository(database: database)
            try await repository.ingest((1...3).map(message), from: "users", upTo: 3)
            let mailer = ScriptedMailer(
                failing: Array(repeating: .setup("SMTP authentication refused: 535 5.7.8 bad credentials"), count: 4))
            let capture = LogCapture()
            let policy = RetryPolicy(base: .milliseconds(10), max: .milliseconds(40), maxAttempts: 2)
            let health = MailSetupHealth(backoff: policy)
            let worker = DeliveryWorker(
                deliveries: repository, mailer: mailer, sender: .defaultSender, policy: policy, wakeup: Wakeup(),
                metrics: DeliveryMetrics(metrics: ServiceMetrics()), logger: capture.logger(), health: health
            )
            let group = ServiceGroup(configuration: .init(services: [worker], logger: quietLogger()))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await eventually("every delivery is sent", timeout: .seconds(30)) { mailer.sent.withLock { $0.count } == 3 }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let deliveries = try await repository.list(filter: DeliveryFilter(), after: 0, limit: 10).items
            // Four setup failures (more than maxAttempts), yet none is dead,
            // and each delivery spent one attempt: the one that sent it.
            #expect(deliveries.map(\.status) == [.sent, .sent, .sent])
            #expect(deliveries.map(\.attempts) == [1, 1, 1])
            #expect(deliveries.allSatisfy { $0.lastError == nil })
            let log = capture.text
            #expect(log.components(separatedBy: "the mail setup does not work").count == 2, "\(log)")
            #expect(log.components(separatedBy: "the mail setup works again").count == 2)
            #expect(health.problem == nil)
        }
    }

    @Test func wrongSMTPCredentialsMakeReadyAnswer503NamingTheCauseAndKillNothing() async throws {
        var options = TestSMTPServer.Options()
        options.offersSTARTTLS = true
        options.credentials = ("mailer", "right")
        let server = try await TestSMTPServer.start(options: options)
        var configuration = try SMTPConfiguration(url: "smtp://mailer:wrong@localhost:\(server.port)?starttls=required")
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(TestCertificates.certificatePEM.utf8)))
        let mailer = SMTPMailer(configuration: configuration, logger: quietLogger())
        try await ServiceHarness.withUsers { usersURL, users in
            try await withMigratedDatabase("notificator") { database in
                try await ServiceHarness.withNotificator(
                    database: database, sources: [SourceConfiguration(name: "users", url: usersURL)], mailer: mailer,
                    retry: RetryPolicy(base: .milliseconds(20), max: .milliseconds(50), maxAttempts: 2)
                ) { notificator in
                    _ = try await users.post("/users", json: #"{"email": "ann@example.com"}"#)
                    try await eventually("/ready says why mail is not sent") {
                        let ready = try await notificator.get("/ready")
                        let reason = try ready.object().string("reason") ?? ""
                        return ready.status == .serviceUnavailable && reason.contains("SMTP authentication refused: 535")
                    }
                    // Many tries later (maxAttempts is 2), the delivery is still pending, unspent.
                    try await Task.sleep(for: .milliseconds(300))
                    let deliveries = try await notificator.get("/deliveries", headers: [.authorization: "Bearer \(testInternalToken)"])
                        .items()
                    #expect(deliveries.count == 1)
                    #expect(deliveries.first?.string("status") == "pending" && deliveries.first?.int("attempts") == 0)
                }
            }
        }
        await server.stop()
        #expect(server.messages.isEmpty)
    }

    @Test func credentialsWithoutTLSAreRefusedAtStart() {
        let options = OptionValues(
            options: MailSettings.options, given: ["smtp-url": ["smtp://mailer:secret@mail.example.com:587"]], environment: [:],
            topology: ServiceTopology(urls: [:], outboxSources: [])
        )
        do {
            _ = try MailSettings(options)
            Issue.record("credentials without TLS were accepted")
        } catch let error as OptionError {
            #expect(error.description.contains("credentials but no TLS") && !error.description.contains("secret"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct MessageIDAndRetentionTests {
    func message(_ id: Int64) -> OutboxMessage {
        OutboxMessage(id: id, topic: "user.welcome", recipient: "r\(id)@example.com", subject: "Hello", body: "Hi", createdAt: .now())
    }

    @Test func messageIDsCarryAnInstancePartOfTheirDatabase() async throws {
        let (first, second) = try await (
            withMigratedDatabase("notificator") { database in
                try await SQLiteDeliveryRepository(database: database).ingest([message(1)], from: "users", upTo: 1)
                return try await SQLiteDeliveryRepository(database: database).get(id: 1)?.messageID
            },
            withMigratedDatabase("notificator") { database in
                try await SQLiteDeliveryRepository(database: database).ingest([message(1)], from: "users", upTo: 1)
                return try await SQLiteDeliveryRepository(database: database).get(id: 1)?.messageID
            }
        )
        let pattern = /<users\.1\.[0-9a-f]{16}@bugtracker>/
        #expect(try pattern.wholeMatch(in: try #require(first)) != nil)
        #expect(first != second, "two installations gave one message id")
    }

    @Test func deliveriesTakenBeforeKeepTheirMessageID() async throws {
        let migrations = MigrationCatalog.migrations(in: "notificator")
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "notificator", migrations: Array(migrations.prefix(2))))
            try await database.write { connection in
                try connection.execute(
                    "INSERT INTO source_cursors (source, last_id, updated_at) VALUES ('users', 7, '2026-11-01T00:00:00.000Z')")
                try connection.execute(
                    """
                    INSERT INTO deliveries (source, source_message_id, topic, recipient, subject, body, status, attempts, next_attempt_at,
                                            source_created_at, created_at, sent_at)
                    VALUES ('users', 7, 't', 'a@example.com', 's', 'b', 'sent', 1, NULL, '2026-11-01T00:00:00.000Z',
                            '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:01.000Z')
                    """
                )
            }
            try await database.migrate(with: Migrator(service: "notificator", migrations: migrations))
            let repository = SQLiteDeliveryRepository(database: database)
            #expect(try await repository.get(id: 1)?.messageID == "<users.7@bugtracker>")
        }
    }

    @Test func finishedDeliveriesOlderThanTheRetentionArePrunedInBatches() async throws {
        try await withMigratedDatabase("notificator") { database in
            let repository = SQLiteDeliveryRepository(database: database)
            try await repository.ingest((1...8).map(message), from: "users", upTo: 8)
            let longAgo = Timestamp.now().adding(.seconds(-40 * 86_400))
            for id in Int64(1)...3 { try await repository.markSent(id: id, at: longAgo) }
            for id in Int64(4)...5 { try await repository.markFailed(id: id, error: "550 no such user", retryAt: nil, at: longAgo) }
            try await repository.markSent(id: 6, at: .now())
            try await repository.markFailed(id: 7, error: "550 no such user", retryAt: nil, at: .now())
            // 8 stays pending, however old.
            let pruner = DeliveryPruner(deliveries: repository, retention: .seconds(30 * 86_400), batchSize: 2, logger: quietLogger())
            #expect(try await pruner.pruneOnce(now: .now()) == 5)
            let left = try await repository.list(filter: DeliveryFilter(), after: 0, limit: 10).items.map(\.id)
            #expect(left == [6, 7, 8])
        }
    }
}
