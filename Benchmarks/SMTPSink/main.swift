// An SMTP sink for the mail-drain benchmark: accepts every message as fast
// as it can and counts them; it parses no more of the protocol than it must.
//
//   smtp-sink serve --port 2525            print "ready <port>", then "received <total>" at every
//                                          1000th message and, within 20 ms, at any other total
//   smtp-sink blast --port 2525 --count N  the sink's own ceiling: N tiny messages on 4
//                                          pipelined connections; prints messages/s
import Foundation
import NIOCore
import NIOPosix
import Synchronization

let arguments = CommandLine.arguments
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else {
        return value
    }
    return number
}

/// A line on standard output, written at once (the runner reads it live).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

final class Counter: Sendable {
    let received = Atomic<Int>(0)
    /// The total last printed.
    let reported = Atomic<Int>(0)

    /// Prints the total when it differs from the last one printed.
    func report() {
        let total = received.load(ordering: .relaxed)
        if reported.exchange(total, ordering: .relaxed) != total { say("received \(total)") }
    }
}

/// The server side: greets, answers EHLO with PIPELINING, every command with
/// 250 (354 for DATA), and counts each message at its ending dot.
final class SinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let counter: Counter
    var pending: [UInt8] = []
    var inData = false
    var replies = ByteBuffer()

    init(counter: Counter) {
        self.counter = counter
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 sink ESMTP\r\n")), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        var start = 0
        while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[start..<end]
            start = end + 1
            if inData {
                if line.count <= 2 && line.first == UInt8(ascii: ".") && (line.count == 1 || line.last == UInt8(ascii: "\r")) {
                    inData = false
                    let total = counter.received.wrappingAdd(1, ordering: .relaxed).newValue
                    // Exactly at each thousand, so a timed drain ends on its
                    // message; `report` every 20 ms catches the rest.
                    if total % 1000 == 0 { counter.report() }
                    replies.writeString("250 queued\r\n")
                }
                continue
            }
            let command = String(decoding: line.prefix(4), as: UTF8.self).uppercased()
            switch command {
            case "EHLO": replies.writeString("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            case "DATA":
                inData = true
                replies.writeString("354 go ahead\r\n")
            case "QUIT":
                replies.writeString("221 bye\r\n")
                context.writeAndFlush(wrapOutboundOut(replies), promise: nil)
                replies.clear()
                context.close(promise: nil)
                return
            default: replies.writeString("250 ok\r\n")
            }
        }
        pending.removeFirst(start)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if replies.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(replies), promise: nil)
            replies = context.channel.allocator.buffer(capacity: 256)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A client that pipelines `count` tiny messages as fast as the sink answers.
final class BlastHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let total: Int
    let done: EventLoopPromise<Void>
    var sent = 0
    var accepted = 0
    static let message = Array("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n".utf8)

    init(total: Int, done: EventLoopPromise<Void>) {
        self.total = total
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "EHLO blast\r\n")), promise: nil)
        sendSome(context: context)
    }

    func sendSome(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64 * Self.message.count)
        while sent < total && sent - accepted < 64 {
            buffer.writeBytes(Self.message)
            sent += 1
        }
        if buffer.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        accepted += buffer.readableBytesView.split(separator: UInt8(ascii: "\n")).filter { $0.starts(with: Array("250 queued".utf8)) }.count
        if accepted >= total {
            done.succeed()
            context.close(promise: nil)
        } else {
            sendSome(context: context)
        }
    }
}

let port = option("--port", default: 2525)
if arguments.dropFirst().first == "blast" {
    let count = option("--count", default: 100_000)
    let connections = 4
    let start = ContinuousClock.now
    var finished: [EventLoopFuture<Void>] = []
    for _ in 0..<connections {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: Void.self)
        _ = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BlastHandler(total: count / connections, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        finished.append(done.futureResult)
    }
    for future in finished { try await future.get() }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "%.0f", Double(count) / seconds))
} else {
    let counter = Counter()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(SinkHandler(counter: counter))
            }
        }
        .bind(host: "127.0.0.1", port: port).get()
    say("ready \(channel.localAddress?.port ?? port)")
    let reporting = channel.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(20), delay: .milliseconds(20)) { _ in
        counter.report()
    }
    try await channel.closeFuture.get()
    reporting.cancel()
}
