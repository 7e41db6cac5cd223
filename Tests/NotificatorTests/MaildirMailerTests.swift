import Foundation
import Notificator
import ServiceKit
import TestSupport
import Testing

@Suite struct MaildirMailerTests {
    func mail(_ id: Int, subject: String = "Welcome") -> OutgoingMail {
        OutgoingMail(
            messageID: "<users.\(id)@bugtracker>", from: .defaultSender, to: "ann@example.com", subject: subject,
            body: "Hello Ann,\n.\nbye", date: .now(), topic: "user.welcome"
        )
    }

    @Test func messagesAppearWholeInNew() async throws {
        try await withTemporaryDirectory { directory in
            let mailer = MaildirMailer(directory: directory.file("mail"))
            try await mailer.prepare()
            for id in 1...3 { try await mailer.send(mail(id)) }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("mail/new")).sorted()
            #expect(files.count == 3)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("mail/tmp")).isEmpty)
            let text = try String(contentsOfFile: directory.file("mail/new/\(files[0])"), encoding: .utf8)
            #expect(text.hasPrefix("Message-ID: <users.1@bugtracker>\n"))
            #expect(text.contains("\nTo: ann@example.com\n") && text.contains("\nSubject: Welcome\n"))
            #expect(text.hasSuffix("\n\nHello Ann,\n.\nbye\n"))
        }
    }

    @Test func aMessageSentTwiceIsOneFile() async throws {
        try await withTemporaryDirectory { directory in
            let mailer = MaildirMailer(directory: directory.file("mail"))
            try await mailer.prepare()
            // The same mail, as a retry builds it again from its delivery
            // (its date is when the source wrote it, not when it is sent).
            let message = mail(1)
            try await mailer.send(message)
            try await mailer.send(message)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("mail/new")).count == 1)
        }
    }

    @Test func anUnwritableMaildirIsATemporaryFailure() async throws {
        let mailer = MaildirMailer(directory: "/proc/no-such-maildir")
        do {
            try await mailer.send(mail(1))
            Issue.record("expected a failure")
        } catch {
            guard case .temporary = error else {
                Issue.record("expected a temporary failure, got \(error)")
                return
            }
        }
    }
}
