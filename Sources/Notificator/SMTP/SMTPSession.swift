import Foundation
import NIOCore
import NIOSSL

/// One SMTP conversation on an open connection: greeting, EHLO (HELO when
/// EHLO is refused), STARTTLS when asked for, AUTH PLAIN or LOGIN over TLS
/// only, then messages, each with MAIL, RCPT and DATA (pipelined when the
/// server offers PIPELINING), and QUIT.
///
/// Every wait for a reply is bounded: the connection's `SMTPReplyDeadline`
/// closes it when the server owes a reply past `commandTimeout`, which ends
/// the wait with an error.
///
/// Lives inside one task's `executeThenClose`, so it is not `Sendable`.
final class SMTPSession {
    private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let writer: NIOAsyncChannelOutboundWriter<SMTPCommands>
    private let channel: any Channel
    private let configuration: SMTPConfiguration
    private(set) var isTLS: Bool
    private(set) var extensions: Set<String> = []
    private var authMechanisms: Set<String> = []

    init(
        replies: NIOAsyncChannelInboundStream<SMTPReply>,
        writer: NIOAsyncChannelOutboundWriter<SMTPCommands>,
        channel: any Channel,
        configuration: SMTPConfiguration
    ) {
        self.replies = replies.makeAsyncIterator()
        self.writer = writer
        self.channel = channel
        self.configuration = configuration
        self.isTLS = configuration.security == .tls
    }

    /// A failure of the connection itself: always temporary, and the
    /// session cannot be used again. `reason` is for the log.
    struct ConnectionLost: Error {
        let reason: String
        /// What the channel threw, when it threw something.
        var underlying: (any Error)?
    }

    // MARK: Opening

    /// Greeting, EHLO, STARTTLS and AUTH as configured.
    func open() async throws {
        let greeting = try await read()
        guard greeting.code == 220 else { throw greeting.failure(during: "greeting") }
        try await hello()
        if configuration.security == .startTLS {
            guard extensions.contains("STARTTLS") else {
                throw MailerError.setup("the SMTP server does not offer STARTTLS, which the configuration requires")
            }
            let reply = try await command("STARTTLS")
            guard reply.code == 220 else { throw MailerError.setup("the SMTP server refused STARTTLS: \(reply.sentence)") }
            try await startTLS()
            try await hello()
        }
        if let username = configuration.username {
            try await authenticate(username: username, password: configuration.password ?? "")
        }
    }

    private func hello() async throws {
        let reply = try await command("EHLO \(configuration.heloName)")
        if reply.code == 250 {
            extensions = []
            authMechanisms = []
            for line in reply.lines.dropFirst() {
                let words = line.uppercased().split(separator: " ").map(String.init)
                guard let keyword = words.first else { continue }
                extensions.insert(keyword)
                if keyword == "AUTH" { authMechanisms.formUnion(words.dropFirst()) }
            }
            return
        }
        // An old server: HELO, and no extensions.
        let helo = try await command("HELO \(configuration.heloName)")
        guard helo.code == 250 else { throw helo.failure(during: "HELO") }
        extensions = []
    }

    private func startTLS() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = configuration.trustRoots
        let context = try NIOSSLContext(configuration: tls)
        let host = configuration.host
        let channel = self.channel
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: context, serverHostname: host.isIPAddress ? nil : host)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
        isTLS = true
    }

    private func authenticate(username: String, password: String) async throws {
        // Credentials never cross an unencrypted connection.
        guard isTLS else {
            throw MailerError.setup("credentials are never sent over a connection without TLS; use smtps:// or ?starttls=required")
        }
        // A refusal here is the setup's fault (wrong credentials), not the message's.
        func refused(_ reply: SMTPReply) -> MailerError {
            reply.isTransientFailure
                ? .temporary("SMTP authentication failed for now: \(reply.sentence)")
                : .setup("SMTP authentication refused: \(reply.sentence)")
        }
        if authMechanisms.contains("PLAIN") || authMechanisms.isEmpty {
            let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            let reply = try await command("AUTH PLAIN \(token)")
            guard reply.code == 235 else { throw refused(reply) }
        } else if authMechanisms.contains("LOGIN") {
            let start = try await command("AUTH LOGIN")
            guard start.code == 334 else { throw refused(start) }
            let user = try await command(Data(username.utf8).base64EncodedString())
            guard user.code == 334 else { throw refused(user) }
            let done = try await command(Data(password.utf8).base64EncodedString())
            guard done.code == 235 else { throw refused(done) }
        } else {
            throw MailerError.setup("the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }

    // MARK: Messages

    /// Sends one message. A refusal (4xx, 5xx) is thrown as a `MailerError`
    /// after a RSET, leaving the session ready for the next message; a
    /// broken connection is thrown as `ConnectionLost`.
    func send(_ mail: OutgoingMail) async throws {
        let eightBit = extensions.contains("8BITMIME")
        let message = MessageComposer.compose(mail, lineEnding: .crlf, allow8bit: eightBit)
        let needsUTF8 = !mail.to.utf8.allSatisfy { $0 < 0x80 } || !mail.from.address.utf8.allSatisfy { $0 < 0x80 }
        var mailFrom = "MAIL FROM:<\(mail.from.address)>"
        if eightBit && message.contains(where: { $0 >= 0x80 }) { mailFrom += " BODY=8BITMIME" }
        if needsUTF8 && extensions.contains("SMTPUTF8") { mailFrom += " SMTPUTF8" }
        let rcptTo = "RCPT TO:<\(MessageComposer.oneLine(mail.to))>"

        let replies: [SMTPReply]
        if extensions.contains("PIPELINING") {
            try await write([mailFrom, rcptTo, "DATA"], replies: 3)
            replies = [try await read(), try await read(), try await read()]
        } else {
            var sequential: [SMTPReply] = []
            for line in [mailFrom, rcptTo, "DATA"] {
                let reply = try await command(line)
                sequential.append(reply)
                if !reply.isPositive { break }
            }
            replies = sequential
        }
        let steps = ["MAIL FROM", "RCPT TO", "DATA"]
        if let failed = replies.indices.first(where: { index in
            index < 2 ? replies[index].code != 250 && replies[index].code != 251 : replies[index].code != 354
        }) {
            if replies.count == 3 && replies[2].code == 354 {
                // DATA was accepted after all: end the empty message.
                try await write(["."], replies: 1)
                _ = try await read()
            }
            try await reset()
            throw replies[failed].failure(during: steps[failed])
        }
        var body = ByteBuffer(bytes: Self.dotStuffed(message))
        body.writeString(".\r\n")
        try await write(SMTPCommands(bytes: body, replies: 1))
        let accepted = try await read()
        guard accepted.code == 250 else {
            try await reset()
            throw accepted.failure(during: "end of DATA")
        }
    }

    /// Ends the conversation politely.
    func quit() async {
        _ = try? await command("QUIT")
    }

    private func reset() async throws {
        _ = try await command("RSET")
    }

    /// A leading "." on a line gets another, so it is not read as the end.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        let dot = UInt8(ascii: ".")
        let newline = UInt8(ascii: "\n")
        // Most messages have no such line: no copy for them.
        guard message.first == dot || zip(message, message.dropFirst()).contains(where: { $0 == newline && $1 == dot }) else {
            return message
        }
        var output: [UInt8] = []
        output.reserveCapacity(message.count + 16)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == dot { output.append(byte) }
            output.append(byte)
            atLineStart = byte == newline
        }
        return output
    }

    // MARK: The wire

    private func command(_ line: String) async throws -> SMTPReply {
        try await write([line], replies: 1)
        return try await read()
    }

    private func write(_ lines: [String], replies: Int) async throws {
        var buffer = ByteBuffer()
        for line in lines {
            buffer.writeString(line)
            buffer.writeString("\r\n")
        }
        try await write(SMTPCommands(bytes: buffer, replies: replies))
    }

    private func write(_ commands: SMTPCommands) async throws {
        do {
            try await writer.write(commands)
        } catch {
            throw ConnectionLost(reason: "the connection closed while writing: \(error)", underlying: error)
        }
    }

    private func read() async throws -> SMTPReply {
        // Past the timeout SMTPReplyDeadline closes the channel, which ends the wait.
        do {
            guard let reply = try await replies.next() else {
                throw ConnectionLost(reason: "the server closed the connection or did not answer in time")
            }
            return reply
        } catch let error as ConnectionLost {
            throw error
        } catch {
            throw ConnectionLost(reason: "the connection failed: \(error)", underlying: error)
        }
    }
}

extension String {
    /// An IPv4 or IPv6 literal, for which TLS sends no server name.
    var isIPAddress: Bool {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        return inet_pton(AF_INET, self, &ipv4) == 1 || inet_pton(AF_INET6, self, &ipv6) == 1
    }
}
