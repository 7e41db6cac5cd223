import Foundation
import Notificator
import ServiceKit
import Testing

@Suite struct MessageComposerTests {
    func mail(
        subject: String = "Welcome", body: String = "Hello\nthere", from: MailAddress = .defaultSender, to: String = "ann@example.com"
    ) -> OutgoingMail {
        OutgoingMail(
            messageID: "<users.7@bugtracker>", from: from, to: to, subject: subject, body: body,
            date: Timestamp(rfc3339: "2026-11-25T14:38:36.860Z")!, topic: "user.welcome"
        )
    }

    func text(_ mail: OutgoingMail, _ ending: MessageComposer.LineEnding = .crlf, allow8bit: Bool = true) -> String {
        String(decoding: MessageComposer.compose(mail, lineEnding: ending, allow8bit: allow8bit), as: UTF8.self)
    }

    /// Everything after the blank line that ends the headers.
    func bodyText(of message: String) -> Substring? {
        message.range(of: "\r\n\r\n").map { message[$0.upperBound...] }
    }

    func headers(_ message: String) -> [String] {
        message.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
    }

    @Test func theContractsHeadersAreThere() {
        let message = text(mail())
        let lines = headers(message)
        #expect(lines.contains("Message-ID: <users.7@bugtracker>"))
        #expect(lines.contains("Date: Wed, 25 Nov 2026 14:38:36 +0000"))
        #expect(lines.contains("From: Bug Tracker <bugtracker@localhost>"))
        #expect(lines.contains("To: ann@example.com"))
        #expect(lines.contains("Subject: Welcome"))
        #expect(lines.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(message.hasSuffix("\r\n\r\nHello\r\nthere\r\n"))
    }

    @Test func aThreadBecomesReferencesAndNoThreadNone() {
        var threaded = mail(subject: "[#7] Crash when saving a draft")
        threaded.thread = "bug-7"
        #expect(headers(text(threaded)).contains("References: <bug-7@bugtracker>"))
        #expect(!headers(text(mail())).contains { $0.hasPrefix("References:") })
        // A thread no message-id may hold is left out, never sent half-formed.
        for odd in ["bug 7", "bug-7>\r\nBcc: x@example.com", "", "Bug-7"] {
            threaded.thread = odd
            #expect(!text(threaded).contains("References:"), "\(odd)")
        }
    }

    /// The text a header's encoded words decode to.
    func decodedWords(_ value: some StringProtocol) throws -> String {
        try value.split(separator: " ").map { word -> String in
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="), "\(word)")
            let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return try #require(Data(base64Encoded: String(base64)).flatMap { String(data: $0, encoding: .utf8) })
        }.joined()
    }

    @Test func textThatLooksLikeAnEncodedWordIsEncodedSoItShowsAsTyped() throws {
        // A title crafted to read "Your account is suspended" once decoded.
        let crafted = "=?UTF-8?B?WW91ciBhY2NvdW50IGlzIHN1c3BlbmRlZA==?="
        let lines = headers(text(mail(subject: crafted, from: MailAddress(name: "=?UTF-8?B?QWRtaW4=?=", address: "bt@example.com"))))
        let subject = lines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }.joined()
        #expect(try decodedWords(subject.dropFirst("Subject: ".count)) == crafted)
        let from = try #require(lines.first { $0.hasPrefix("From: ") })
        #expect(try decodedWords(from.dropFirst("From: ".count).dropLast(" <bt@example.com>".count)) == "=?UTF-8?B?QWRtaW4=?=")
        // Plain text with = or ? alone is not mistaken for an encoded word.
        #expect(headers(text(mail(subject: "Plain = and ? stay as they are"))).contains("Subject: Plain = and ? stay as they are"))
    }

    @Test func aShortNonASCIISubjectStaysOnTheSubjectLine() throws {
        let lines = headers(text(mail(subject: "Ünïcödé crash in the säve dialog 🐛")))
        let subject = try #require(lines.first { $0.hasPrefix("Subject:") })
        #expect(subject.hasPrefix("Subject: =?UTF-8?B?"))
    }

    @Test func nonASCIISubjectsAndNamesAreEncodedWords() throws {
        let subject = "[Bug #1] Ünïcode crash 🐛 in the säve dialog, which is a rather long subject line indeed"
        let message = text(mail(subject: subject, from: MailAddress(name: "Büg Träcker", address: "bt@example.com")))
        let lines = headers(message)
        // A field's first word stays beside its name, so a first line may
        // pass 78 characters (an encoded word is up to 75); the rest do not.
        #expect(lines.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } && $0.utf8.count <= ($0.hasPrefix(" ") ? 78 : 998) })
        #expect(lines.allSatisfy { !$0.hasSuffix(":") }, "a field name alone on its line")
        let from = try #require(lines.first { $0.hasPrefix("From: ") })
        #expect(from.hasPrefix("From: =?UTF-8?B?") && from.hasSuffix(" <bt@example.com>"))
        // Decoding the encoded words gives the subject back.
        let subjectLines = lines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        let words = subjectLines.joined().dropFirst("Subject: ".count).split(separator: " ")
        let decoded = try words.map { word -> String in
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?=") && word.count <= 75)
            let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return try #require(Data(base64Encoded: String(base64)).flatMap { String(data: $0, encoding: .utf8) })
        }.joined()
        #expect(decoded == subject)
    }

    @Test func lineBreaksCannotAddAHeaderOrARecipient() {
        let message = text(mail(subject: "Hi\r\nBcc: evil@example.com\nX-Injected: yes", to: "ann@example.com\r\nCc: evil@example.com"))
        let lines = headers(message)
        #expect(!lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("Cc:") || $0.hasPrefix("X-Injected:") })
        #expect(lines.filter { $0.hasPrefix("To:") }.count == 1)
    }

    @Test func longLinesBecomeQuotedPrintableWithinLimits() {
        let long = String(repeating: "é", count: 600)
        let message = text(mail(body: "short\n\(long)\n=x"))
        #expect(headers(message).contains("Content-Transfer-Encoding: quoted-printable"))
        let bodyLines = message.components(separatedBy: "\r\n\r\n")[1].components(separatedBy: "\r\n")
        #expect(bodyLines.allSatisfy { $0.utf8.count <= 76 })
        #expect(bodyLines.contains("=3Dx"))
    }

    @Test func eightBitBodiesAreKeptUnlessTheServerCannotTakeThem() {
        #expect(headers(text(mail(body: "Grüße"))).contains("Content-Transfer-Encoding: 8bit"))
        #expect(headers(text(mail(body: "Grüße"), allow8bit: false)).contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(headers(text(mail(body: "plain"))).contains("Content-Transfer-Encoding: 7bit"))
    }

    @Test func everyLineBreakEndsALineEvenBeforeACombiningMark() {
        // A mark after a break once hid the break from the split: a bare CR
        // reached the message, or a CRLF became two lines.
        let body = "one\r\n\u{301}two\r\u{301}three\n\u{301}four\r\rfive"
        let wire = MessageComposer.compose(mail(body: body), lineEnding: .crlf)
        let crlf = text(mail(body: body))
        #expect(bodyText(of: crlf) == "one\r\n\u{301}two\r\n\u{301}three\r\n\u{301}four\r\n\r\nfive\r\n")
        #expect(wire.indices.allSatisfy { wire[$0] != 0x0D || (wire.index(after: $0) < wire.endIndex && wire[$0 + 1] == 0x0A) })
        #expect(!text(mail(body: body), .lf).contains("\r"))
    }

    @Test func quotedPrintableEncodesTheBytesItMust() {
        let message = text(mail(body: "Grüße = a\t\nend \n"), allow8bit: false)
        #expect(bodyText(of: message) == "Gr=C3=BC=C3=9Fe =3D a=09\r\nend=20\r\n\r\n")
    }

    @Test func maildirFilesUseLF() {
        let message = text(mail(), .lf)
        #expect(!message.contains("\r"))
        #expect(message.contains("\n\nHello\nthere\n"))
    }
}

@Suite struct RetryPolicyTests {
    /// SplitMix64: repeatable random numbers for a test.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func delaysDoubleUpToTheMaximumWithJitterAndEnd() {
        let policy = RetryPolicy(base: .seconds(1), max: .seconds(300), maxAttempts: 10)
        var random = Seeded(state: 42)
        for _ in 0..<200 {
            for attempt in 1...9 {
                let full = min(Duration.seconds(1 << (attempt - 1)), .seconds(300))
                let delay = policy.delay(afterAttempt: attempt, using: &random)!
                #expect(delay >= full / 2 && delay <= full, "attempt \(attempt): \(delay)")
            }
            #expect(policy.delay(afterAttempt: 10, using: &random) == nil)
        }
        // Jitter: delays for one attempt differ.
        let delays = Set((0..<20).map { _ in policy.delay(afterAttempt: 5, using: &random)! })
        #expect(delays.count > 10)
    }
}

@Suite struct SMTPConfigurationTests {
    @Test func parsesTheContractsURLs() throws {
        let plain = try SMTPConfiguration(url: "smtp://mail.example.com:1025")
        #expect(plain.host == "mail.example.com" && plain.port == 1025 && plain.security == .none && plain.username == nil)
        let startTLS = try SMTPConfiguration(url: "smtp://user%40x:p%3Ass@mail.example.com:587?starttls=required")
        #expect(startTLS.security == .startTLS && startTLS.username == "user@x" && startTLS.password == "p:ss")
        let implicit = try SMTPConfiguration(url: "smtps://mail.example.com")
        #expect(implicit.security == .tls && implicit.port == 465)
        #expect(try SMTPConfiguration(url: "smtp://h").port == 25)
    }

    @Test(arguments: ["http://mail.example.com", "smtp://", "smtps://h?starttls=required", "smtp://h?tls=1", "mail.example.com:25"])
    func refusesOtherURLs(url: String) {
        #expect(throws: SMTPConfiguration.InvalidURL.self) { try SMTPConfiguration(url: url) }
    }

    @Test func redactsPasswords() {
        #expect(SMTPConfiguration.redacted("smtp://u:secret@h:25") == "smtp://u:***@h:25")
    }

    @Test func parsesSenders() {
        #expect(
            MailAddress(parsing: "Bug Tracker <bugtracker@localhost>") == MailAddress(name: "Bug Tracker", address: "bugtracker@localhost"))
        #expect(MailAddress(parsing: "a@b.c") == MailAddress(name: nil, address: "a@b.c"))
        #expect(MailAddress(parsing: "Evil <a@b.c>\r\nBcc: x@y.z") == nil)
        #expect(MailAddress(parsing: "nobody") == nil)
    }
}
