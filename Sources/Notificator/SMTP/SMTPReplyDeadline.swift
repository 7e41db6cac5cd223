import NIOCore

/// Lines for the server, and how many replies they ask for: what
/// `SMTPSession` writes, so that `SMTPReplyDeadline` knows when the server
/// owes an answer.
struct SMTPCommands {
    var bytes: ByteBuffer
    /// Replies the server owes for these lines: 3 for pipelined MAIL, RCPT
    /// and DATA; 1 for a command or a message's body.
    var replies: Int
}

/// Closes the connection when the server owes a reply and has sent none for
/// `timeout`: since the connection opened (the greeting, and a TLS
/// handshake before it), since the lines that asked for it were written, or
/// since its last reply. Closing ends the session's wait with an error. A
/// connection that owes nothing, idle between messages, is left alone.
///
/// It lives on the event loop, so a reply costs no timer of its own: one
/// check is scheduled while replies are owed, and moves on when it finds
/// the server has answered since. (A timer set and cancelled from the
/// session's task for each reply woke the event loop from another thread
/// twice a reply, four replies a message.)
final class SMTPReplyDeadline: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias InboundOut = SMTPReply
    typealias OutboundIn = SMTPCommands
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// The greeting is owed from the start.
    private var owed = 1
    private var lastHeard = NIODeadline.now()
    private var check: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = TimeAmount(timeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owed = max(0, owed - 1)
        lastHeard = .now()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let commands = unwrapOutboundIn(data)
        // The clock starts now for a server that owed nothing; one that
        // already owes a reply is still timed from when it last spoke.
        if owed == 0 { lastHeard = .now() }
        owed += commands.replies
        arm(context)
        context.write(wrapOutboundOut(commands.bytes), promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        lastHeard = .now()
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard check == nil, owed > 0 else { return }
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastHeard + timeout) {
            self.check = nil
            guard self.owed > 0 else { return }
            if self.lastHeard + self.timeout <= .now() {
                context.close(promise: nil)
            } else {
                self.arm(context)
            }
        }
    }
}
