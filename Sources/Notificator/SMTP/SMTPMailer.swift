public import Logging
import NIOCore
import NIOPosix
import NIOSSL
public import ServiceLifecycle
import TraceSupport
import Tracing

/// Sends mail to an SMTP server over SwiftNIO, on up to `connections`
/// connections kept open across messages and closed after they idle.
///
/// A refused or dropped connection, a timeout and a 4xx reply are
/// temporary failures; a 5xx reply is permanent. Run it as a `Service`:
/// it owns its connections, and closes them on graceful shutdown.
public final class SMTPMailer: Mailer, Service {
    private let configuration: SMTPConfiguration
    private let board = JobBoard<Job>()
    private let logger: Logger

    private struct Job: Sendable {
        let mail: OutgoingMail
        let done: CheckedContinuation<Result<Void, MailerError>, Never>
        /// The delivery attempt's span, which the SMTP transaction's joins.
        let trace: ServiceContext?

        func finish(_ result: Result<Void, MailerError>) {
            done.resume(returning: result)
        }
    }

    public init(configuration: SMTPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func send(_ mail: OutgoingMail) async throws(MailerError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, MailerError>, Never>) in
            let trace = TraceRecording.isOn ? ServiceContext.current : nil
            if !board.put(Job(mail: mail, done: continuation, trace: trace)) {
                continuation.resume(returning: .failure(.temporary("SMTP: the mailer is shutting down")))
            }
        }
        try result.get()
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.connections {
                group.addTask { await self.serveConnections() }
            }
            group.addTask {
                try? await gracefulShutdown()
                for job in self.board.close() {
                    job.finish(.failure(.temporary("SMTP: the mailer is shutting down")))
                }
            }
        }
    }

    /// One connection slot: waits for a job, connects, serves jobs on that
    /// connection until it idles or breaks, and starts over.
    private func serveConnections() async {
        while let first = await board.next() {
            await serveConnection(startingWith: first)
        }
    }

    private func serveConnection(startingWith first: Job) async {
        var current: Job? = first
        let recorder = FirstErrorRecorder()
        do {
            let channel = try await connect(recording: recorder)
            try await channel.executeThenClose { replies, writer in
                let session = SMTPSession(replies: replies, writer: writer, channel: channel.channel, configuration: configuration)
                try await session.open()
                while let job = current {
                    do {
                        try await Spans.record("SMTP send", kind: .client, parent: job.trace, onlyInsideTrace: true) { span in
                            span?.attributes["server.address"] = configuration.host
                            span?.attributes["server.port"] = configuration.port
                            try await session.send(job.mail)
                        }
                        job.finish(.success(()))
                    } catch let refusal as MailerError {
                        job.finish(.failure(refusal))
                    }
                    current = await board.next(timeout: configuration.idleTimeout)
                }
                await session.quit()
            }
        } catch {
            let failure = SMTPFailure.mailerError(error, recorded: recorder.error, host: configuration.host, port: configuration.port)
            if let current {
                // The sentence is the delivery's; the detail is the log's.
                logger.debug("SMTP connection failed", metadata: ["error": "\(failure)", "detail": "\(recorder.error ?? error)"])
                current.finish(.failure(failure))
            }
        }
    }

    private func connect(recording recorder: FirstErrorRecorder) async throws -> NIOAsyncChannel<SMTPReply, SMTPCommands> {
        let configuration = self.configuration
        var sslContext: NIOSSLContext?
        if configuration.security == .tls {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = configuration.trustRoots
            sslContext = try NIOSSLContext(configuration: tls)
        }
        let context = sslContext
        let timeout = configuration.commandTimeout
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        let host = configuration.host
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: host.isIPAddress ? nil : host)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyDeadline(timeout: timeout))
                    try channel.pipeline.syncOperations.addHandler(recorder)
                    return try NIOAsyncChannel<SMTPReply, SMTPCommands>(wrappingChannelSynchronously: channel)
                }
            }
    }
}

extension SMTPMailer: CustomStringConvertible {
    public var description: String { "SMTPMailer(\(configuration))" }
}
