import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// An SMTP server for tests, on SwiftNIO, on an ephemeral port of 127.0.0.1.
///
/// It speaks ESMTP (PIPELINING, 8BITMIME, SMTPUTF8; STARTTLS and AUTH when
/// asked to), records every session and every message, and answers the end
/// of each message as `verdict` says: accept it, refuse it with a 4xx or
/// 5xx, drop the connection, or say nothing.
public final class TestSMTPServer: Sendable {
    /// The answer to the end of a message's DATA.
    public enum Verdict: Sendable, Equatable {
        case accept
        case reply(Int, String)
        case dropConnection
        /// Say nothing, and keep the connection open.
        case noAnswer
    }

    public struct Options: Sendable {
        /// Offer STARTTLS (with the test certificate).
        public var offersSTARTTLS = false
        /// Speak TLS from the first byte (implicit TLS, as smtps://).
        public var implicitTLS = false
        /// Refuse EHLO, so clients must fall back to HELO.
        public var refusesEHLO = false
        /// Offer PIPELINING.
        public var pipelining = true
        /// Send the greeting; a server that does not keeps the client waiting.
        public var greets = true
        /// Accept this user and password with AUTH PLAIN or LOGIN (offered over TLS only).
        public var credentials: (user: String, password: String)?

        public init() {}
    }

    /// A message as the server received it.
    public struct Message: Sendable {
        public let session: Int
        public let mailFrom: String
        public let recipients: [String]
        /// The message with dot-stuffing undone, lines ending in CRLF.
        public let data: String
        public let overTLS: Bool
        public let authenticatedAs: String?

        /// The value of header `name` (unfolded), if present.
        public func header(_ name: String) -> String? {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            var unfolded: [String] = []
            for line in head.components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !unfolded.isEmpty {
                    unfolded[unfolded.count - 1] += line
                } else {
                    unfolded.append(line)
                }
            }
            let prefix = name.lowercased() + ":"
            return unfolded.first { $0.lowercased().hasPrefix(prefix) }.map {
                String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
        }

        /// The body: everything after the blank line.
        public var body: String {
            guard let range = data.range(of: "\r\n\r\n") else { return "" }
            return String(data[range.upperBound...])
        }
    }

    struct State {
        var verdict: @Sendable (Int) -> Verdict
        var messages: [Message] = []
        var sessions = 0
        var dataEnds = 0
        var commands: [String] = []
    }

    let state: Mutex<State>
    let options: Options
    private let channel: any Channel
    /// The port it listens on.
    public let port: Int

    private init(channel: any Channel, options: Options, verdict: @escaping @Sendable (Int) -> Verdict) {
        self.channel = channel
        self.options = options
        self.port = channel.localAddress?.port ?? 0
        self.state = Mutex(State(verdict: verdict))
    }

    /// Starts a server answering each message's end as `verdict` says, given
    /// the message's number (from 1, across sessions).
    public static func start(options: Options = Options(), verdict: @escaping @Sendable (Int) -> Verdict = { _ in .accept }) async throws
        -> TestSMTPServer
    {
        let box = ServerBox()
        let sslContext = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(TestCertificates.certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(TestCertificates.privateKeyPEM.utf8), format: .pem))
            )
        )
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.server.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    if options.implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        SessionHandler(server: server, sslContext: sslContext, tls: options.implicitTLS))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = TestSMTPServer(channel: channel, options: options, verdict: verdict)
        box.server.withLock { $0 = server }
        return server
    }

    /// Stops listening. Sessions under way end with their connections.
    public func stop() async {
        try? await channel.close()
    }

    /// Changes how the ends of messages are answered from now on.
    public func setVerdict(_ verdict: @escaping @Sendable (Int) -> Verdict) {
        state.withLock { $0.verdict = verdict }
    }

    /// Every message accepted so far.
    public var messages: [Message] { state.withLock { $0.messages } }

    /// Sessions (connections) opened so far.
    public var sessionCount: Int { state.withLock { $0.sessions } }

    /// Every command received, in order (AUTH arguments hidden).
    public var commands: [String] { state.withLock { $0.commands } }

    /// Waits until at least `count` messages were accepted, or fails after `timeout`.
    @discardableResult
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Message] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = messages
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("waited for \(count) messages, got \(messages.count)")
    }
}

/// Hands the server to connections once it exists.
private final class ServerBox: Sendable {
    // Set once the server is bound, before any client can know its port;
    // read from the event loop's thread, so behind a lock.
    let server = Mutex<TestSMTPServer?>(nil)
}

/// Lines, CRLF or LF ended, without their ending.
private struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        // Bytes, not a String: "\r\n" is one Character.
        var bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1) ?? []
        while bytes.last == UInt8(ascii: "\n") || bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        context.fireChannelRead(wrapInboundOut(String(decoding: bytes, as: UTF8.self)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        .needMoreData
    }
}

/// One SMTP session: the server side of the protocol.
private final class SessionHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private let server: TestSMTPServer
    private let sslContext: NIOSSLContext
    private var session = 0
    private var tls: Bool
    private var authenticatedAs: String?
    private var mailFrom: String?
    private var recipients: [String] = []
    private var dataLines: [String]?
    private var authLoginStep = 0
    private var authLoginUser = ""

    init(server: TestSMTPServer, sslContext: NIOSSLContext, tls: Bool) {
        self.server = server
        self.sslContext = sslContext
        self.tls = tls
    }

    func channelActive(context: ChannelHandlerContext) {
        session = server.state.withLock { state in
            state.sessions += 1
            return state.sessions
        }
        if server.options.greets { reply(context, "220 test.example ESMTP ready") }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        if var lines = dataLines {
            if line == "." {
                dataLines = nil
                finishMessage(context, lines)
            } else {
                lines.append(line.hasPrefix(".") ? String(line.dropFirst()) : line)
                dataLines = lines
            }
            return
        }
        if authLoginStep > 0 {
            continueAuthLogin(context, line)
            return
        }
        let upper = line.uppercased()
        let recorded = upper.hasPrefix("AUTH ") ? String(line.split(separator: " ").prefix(2).joined(separator: " ")) : line
        server.state.withLock { $0.commands.append(recorded) }
        switch true {
        case upper.hasPrefix("EHLO"):
            if server.options.refusesEHLO {
                reply(context, "502 command not implemented")
                return
            }
            var lines = ["250-test.example"]
            if server.options.pipelining { lines.append("250-PIPELINING") }
            lines += ["250-8BITMIME", "250-SMTPUTF8"]
            if server.options.offersSTARTTLS && !tls { lines.append("250-STARTTLS") }
            if server.options.credentials != nil && tls { lines.append("250-AUTH PLAIN LOGIN") }
            lines.append("250 SIZE 10485760")
            reply(context, lines.joined(separator: "\r\n"))
        case upper.hasPrefix("HELO"):
            reply(context, "250 test.example")
        case upper == "STARTTLS":
            reply(context, "220 go ahead")
            try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
            tls = true
        case upper.hasPrefix("AUTH PLAIN "):
            let token = String(line.dropFirst("AUTH PLAIN ".count))
            let parts = Data(base64Encoded: token).flatMap { String(data: $0, encoding: .utf8) }?.split(
                separator: "\u{0}", omittingEmptySubsequences: false)
            if let parts, parts.count == 3, let expected = server.options.credentials, parts[1] == expected.user,
                parts[2] == expected.password
            {
                authenticatedAs = expected.user
                reply(context, "235 authenticated")
            } else {
                reply(context, "535 authentication failed")
            }
        case upper == "AUTH LOGIN":
            authLoginStep = 1
            reply(context, "334 VXNlcm5hbWU6")
        case upper.hasPrefix("MAIL FROM:"):
            mailFrom = String(line.dropFirst("MAIL FROM:".count))
            recipients = []
            reply(context, "250 sender ok")
        case upper.hasPrefix("RCPT TO:"):
            if mailFrom == nil {
                reply(context, "503 bad sequence of commands")
            } else {
                recipients.append(String(line.dropFirst("RCPT TO:".count)))
                reply(context, "250 recipient ok")
            }
        case upper == "DATA":
            if mailFrom == nil || recipients.isEmpty {
                reply(context, "554 no valid recipients")
            } else {
                dataLines = []
                reply(context, "354 end with <CRLF>.<CRLF>")
            }
        case upper == "RSET":
            mailFrom = nil
            recipients = []
            reply(context, "250 reset")
        case upper == "NOOP":
            reply(context, "250 ok")
        case upper == "QUIT":
            let closed = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 bye\r\n")), promise: closed)
            closed.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        default:
            reply(context, "500 unrecognised command")
        }
    }

    private func continueAuthLogin(_ context: ChannelHandlerContext, _ line: String) {
        let decoded = Data(base64Encoded: line).flatMap { String(data: $0, encoding: .utf8) } ?? ""
        if authLoginStep == 1 {
            authLoginUser = decoded
            authLoginStep = 2
            reply(context, "334 UGFzc3dvcmQ6")
            return
        }
        authLoginStep = 0
        if let expected = server.options.credentials, authLoginUser == expected.user, decoded == expected.password {
            authenticatedAs = expected.user
            reply(context, "235 authenticated")
        } else {
            reply(context, "535 authentication failed")
        }
    }

    private func finishMessage(_ context: ChannelHandlerContext, _ lines: [String]) {
        let (verdict, number) = server.state.withLock { state -> (TestSMTPServer.Verdict, Int) in
            state.dataEnds += 1
            return (state.verdict(state.dataEnds), state.dataEnds)
        }
        _ = number
        switch verdict {
        case .accept:
            let message = TestSMTPServer.Message(
                session: session, mailFrom: mailFrom ?? "", recipients: recipients,
                data: lines.joined(separator: "\r\n") + "\r\n", overTLS: tls, authenticatedAs: authenticatedAs
            )
            server.state.withLock { $0.messages.append(message) }
            reply(context, "250 queued")
        case .reply(let code, let text):
            reply(context, "\(code) \(text)")
        case .dropConnection:
            context.close(promise: nil)
        case .noAnswer:
            break
        }
        mailFrom = nil
        recipients = []
    }

    private func reply(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
