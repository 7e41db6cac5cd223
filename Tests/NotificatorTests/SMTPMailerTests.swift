import Logging
import NIOSSL
import Notificator
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing

/// `SMTPMailer` against the test SMTP server, over real sockets.
@Suite struct SMTPMailerTests {
    func mail(_ id: Int, to: String = "ann@example.com", body: String = "Hello\n.hidden line\n..two dots") -> OutgoingMail {
        OutgoingMail(
            messageID: "<bugs.\(id)@bugtracker>", from: .defaultSender, to: to, subject: "[Bug #\(id)] Crash",
            body: body, date: .now(), topic: "bug.created"
        )
    }

    /// Runs `body` with a mailer configured by `configure`, the mailer
    /// running as a service, and shuts it down afterwards.
    func withMailer(
        _ server: TestSMTPServer,
        url: String? = nil,
        _ configure: (inout SMTPConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (SMTPMailer) async throws -> Void
    ) async throws {
        var configuration = try SMTPConfiguration(url: url ?? "smtp://127.0.0.1:\(server.port)")
        configuration.commandTimeout = .seconds(5)
        configure(&configuration)
        let mailer = SMTPMailer(configuration: configuration, logger: quietLogger())
        let group = ServiceGroup(configuration: .init(services: [mailer], logger: quietLogger()))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            try await body(mailer)
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    /// The `MailerError` `operation` throws, if any.
    func failure(_ operation: () async throws -> Void) async -> MailerError? {
        do {
            try await operation()
            return nil
        } catch {
            return error as? MailerError
        }
    }

    @Test func sendsAMessageWithItsHeadersAndUndoesNothingItShouldNot() async throws {
        let server = try await TestSMTPServer.start()
        try await withMailer(server) { mailer in
            try await mailer.send(mail(1))
        }
        await server.stop()
        let message = try #require(server.messages.first)
        #expect(message.mailFrom == "<bugtracker@localhost>" && message.recipients == ["<ann@example.com>"])
        #expect(message.header("Message-ID") == "<bugs.1@bugtracker>")
        #expect(message.header("To") == "ann@example.com" && message.header("Subject") == "[Bug #1] Crash")
        // Dot-stuffed on the wire, restored by the server.
        #expect(message.body == "Hello\r\n.hidden line\r\n..two dots\r\n")
        #expect(server.commands.contains("QUIT"))
    }

    @Test func oneConnectionCarriesManyMessages() async throws {
        let server = try await TestSMTPServer.start()
        try await withMailer(server, { $0.connections = 1 }) { mailer in
            for id in 1...20 { try await mailer.send(mail(id)) }
        }
        await server.stop()
        #expect(server.messages.count == 20)
        #expect(server.sessionCount == 1)
    }

    @Test func fourHundredsAreTemporaryFiveHundredsPermanentAndTheConnectionGoesOn() async throws {
        let server = try await TestSMTPServer.start { number in
            switch number {
            case 1: .reply(451, "try again later")
            case 2: .reply(550, "no such user")
            default: .accept
            }
        }
        try await withMailer(server, { $0.connections = 1 }) { mailer in
            #expect(await failure { try await mailer.send(mail(1)) } == .temporary("451 try again later"))
            #expect(await failure { try await mailer.send(mail(2)) } == .permanent("550 no such user"))
            try await mailer.send(mail(3))
        }
        await server.stop()
        #expect(server.messages.map { $0.header("Message-ID") } == ["<bugs.3@bugtracker>"])
        #expect(server.sessionCount == 1)
        #expect(server.commands.filter { $0 == "RSET" }.count == 2)
    }

    @Test func aConnectionDroppedAfterDataIsTemporaryAndTheNextSendReconnects() async throws {
        let server = try await TestSMTPServer.start { $0 == 1 ? .dropConnection : .accept }
        try await withMailer(server, { $0.connections = 1 }) { mailer in
            let error = await failure { try await mailer.send(mail(1)) }
            guard case .temporary = error else {
                Issue.record("expected a temporary failure, got \(String(describing: error))")
                return
            }
            try await mailer.send(mail(2))
        }
        await server.stop()
        #expect(server.messages.count == 1 && server.sessionCount == 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func aServerThatStopsAnsweringIsTemporaryOnceTheCommandTimeoutPasses() async throws {
        let server = try await TestSMTPServer.start { $0 == 1 ? .noAnswer : .accept }
        try await withMailer(
            server,
            {
                $0.connections = 1
                $0.commandTimeout = .seconds(1)
            }
        ) { mailer in
            let clock = ContinuousClock()
            let started = clock.now
            let error = await failure { try await mailer.send(mail(1)) }
            guard case .temporary = error else {
                Issue.record("expected a temporary failure, got \(String(describing: error))")
                return
            }
            // The deadline closed the connection, not something sooner.
            #expect(clock.now - started >= .seconds(1))
            try await mailer.send(mail(2))
        }
        await server.stop()
        #expect(server.messages.map { $0.header("Message-ID") } == ["<bugs.2@bugtracker>"])
        #expect(server.sessionCount == 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func aServerThatNeverGreetsIsTemporary() async throws {
        var options = TestSMTPServer.Options()
        options.greets = false
        let server = try await TestSMTPServer.start(options: options)
        try await withMailer(server, { $0.commandTimeout = .seconds(1) }) { mailer in
            let error = await failure { try await mailer.send(mail(1)) }
            guard case .temporary = error else {
                Issue.record("expected a temporary failure, got \(String(describing: error))")
                return
            }
        }
        await server.stop()
        #expect(server.messages.isEmpty && server.commands.isEmpty)
    }

    @Test func aConnectionIdleBetweenMessagesOutlivesTheCommandTimeout() async throws {
        // The server owes nothing while idle, so the reply deadline leaves
        // the connection open; only the idle timeout (10 s) would close it.
        let server = try await TestSMTPServer.start()
        try await withMailer(
            server,
            {
                $0.connections = 1
                $0.commandTimeout = .seconds(1)
            }
        ) { mailer in
            try await mailer.send(mail(1))
            try await Task.sleep(for: .milliseconds(1_500))
            try await mailer.send(mail(2))
        }
        await server.stop()
        #expect(server.messages.count == 2)
        #expect(server.sessionCount == 1)
    }

    @Test func startTLSThenAuthPlain() async throws {
        var options = TestSMTPServer.Options()
        options.offersSTARTTLS = true
        options.credentials = ("mailer", "s3cret")
        let server = try await TestSMTPServer.start(options: options)
        let roots = NIOSSLTrustRoots.certificates(try NIOSSLCertificate.fromPEMBytes(Array(TestCertificates.certificatePEM.utf8)))
        try await withMailer(server, url: "smtp://mailer:s3cret@localhost:\(server.port)?starttls=required", { $0.trustRoots = roots }) {
            mailer in
            try await mailer.send(mail(1))
        }
        await server.stop()
        let message = try #require(server.messages.first)
        #expect(message.overTLS && message.authenticatedAs == "mailer")
        #expect(server.commands.firstIndex(of: "STARTTLS")! < server.commands.firstIndex(of: "AUTH PLAIN")!)
    }

    @Test func implicitTLS() async throws {
        var options = TestSMTPServer.Options()
        options.implicitTLS = true
        let server = try await TestSMTPServer.start(options: options)
        let roots = NIOSSLTrustRoots.certificates(try NIOSSLCertificate.fromPEMBytes(Array(TestCertificates.certificatePEM.utf8)))
        try await withMailer(server, url: "smtps://localhost:\(server.port)", { $0.trustRoots = roots }) { mailer in
            try await mailer.send(mail(1))
        }
        await server.stop()
        #expect(server.messages.first?.overTLS == true)
    }

    @Test func anUntrustedCertificateIsASetupFailureSaidInWords() async throws {
        var options = TestSMTPServer.Options()
        options.implicitTLS = true
        let server = try await TestSMTPServer.start(options: options)
        try await withMailer(server, url: "smtps://localhost:\(server.port)") { mailer in
            // Every attempt says why, not what the next write found.
            for attempt in 1...3 {
                let error = await failure { try await mailer.send(mail(attempt)) }
                #expect(error == .setup("TLS handshake failed: certificate not trusted"))
            }
        }
        await server.stop()
        #expect(server.messages.isEmpty)
    }

    @Test func anUntrustedCertificateAfterSTARTTLSIsSaidInWordsToo() async throws {
        var options = TestSMTPServer.Options()
        options.offersSTARTTLS = true
        let server = try await TestSMTPServer.start(options: options)
        try await withMailer(server, url: "smtp://localhost:\(server.port)?starttls=required") { mailer in
            for attempt in 1...3 {
                let error = await failure { try await mailer.send(mail(attempt)) }
                #expect(error == .setup("TLS handshake failed: certificate not trusted"))
            }
        }
        await server.stop()
        #expect(server.messages.isEmpty)
    }

    @Test func aRefusedConnectionIsSaidInWords() async throws {
        let server = try await TestSMTPServer.start()
        await server.stop()
        try await withMailer(server) { mailer in
            let error = await failure { try await mailer.send(mail(1)) }
            #expect(error == .temporary("cannot connect to 127.0.0.1:\(server.port): connection refused"))
        }
    }

    @Test func credentialsAreNeverSentWithoutTLS() async throws {
        var options = TestSMTPServer.Options()
        options.credentials = ("mailer", "s3cret")
        let server = try await TestSMTPServer.start(options: options)
        try await withMailer(server, url: "smtp://mailer:s3cret@127.0.0.1:\(server.port)") { mailer in
            let error = await failure { try await mailer.send(mail(1)) }
            #expect(error?.description.contains("without TLS") == true)
        }
        await server.stop()
        #expect(!server.commands.contains { $0.hasPrefix("AUTH") })
        #expect(server.messages.isEmpty)
    }

    @Test func aRequiredSTARTTLSThatIsNotOfferedIsRefused() async throws {
        let server = try await TestSMTPServer.start()
        try await withMailer(server, url: "smtp://127.0.0.1:\(server.port)?starttls=required") { mailer in
            let error = await failure { try await mailer.send(mail(1)) }
            #expect(error?.description.contains("STARTTLS") == true)
        }
        await server.stop()
        #expect(server.messages.isEmpty)
    }

    @Test func fallsBackToHELOWithoutPipelining() async throws {
        var options = TestSMTPServer.Options()
        options.refusesEHLO = true
        let server = try await TestSMTPServer.start(options: options)
        try await withMailer(server) { mailer in
            try await mailer.send(mail(1))
        }
        await server.stop()
        #expect(server.messages.count == 1)
        #expect(server.commands.contains { $0.hasPrefix("HELO") })
    }

    @Test func aServerThatIsNotThereIsTemporary() async throws {
        let port = try unusedPort()
        var configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)")
        configuration.commandTimeout = .seconds(2)
        let mailer = SMTPMailer(configuration: configuration, logger: quietLogger())
        let group = ServiceGroup(configuration: .init(services: [mailer], logger: quietLogger()))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let error = await failure { try await mailer.send(mail(1)) }
            guard case .temporary = error else {
                Issue.record("expected a temporary failure, got \(String(describing: error))")
                return
            }
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    @Test func headerInjectionThroughTheSubjectOrRecipientAddsNoRecipient() async throws {
        let server = try await TestSMTPServer.start()
        try await withMailer(server) { mailer in
            let hostile = OutgoingMail(
                messageID: "<bugs.9@bugtracker>", from: .defaultSender, to: "ann@example.com",
                subject: "Crash\r\nBcc: evil@example.com", body: "x", date: .now(), topic: "bug.created"
            )
            try await mailer.send(hostile)
        }
        await server.stop()
        let message = try #require(server.messages.first)
        #expect(message.recipients == ["<ann@example.com>"])
        #expect(message.header("Bcc") == nil)
    }
}
