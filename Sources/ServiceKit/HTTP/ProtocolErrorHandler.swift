import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Answers a request the HTTP parser refused (bad framing, a bad chunk size,
/// oversized headers, a smuggling attempt) as every other refusal is
/// answered: problem+json with an `X-Request-ID`, a log line and a count in
/// the metrics, then closes the connection, which the parser cannot read on.
///
/// It sits in each connection's pipeline after the HTTP codec, and sees the
/// parser's error before Hummingbird does (which would answer a bad head
/// with a bare 400 of its own). An error in the body of a request a handler
/// is answering goes on to that handler, whose body stream throws it and
/// whose answer (`ProblemMiddleware` makes it a 400) is the one sent; the
/// connection closes after it.
///
/// Lives on its channel's event loop: not `Sendable`.
final class ProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let metrics: RequestMetrics
    private let logger: Logger
    /// The head of the last request read, if any.
    private var request: HTTPRequest?
    /// A request was read whose response has not ended yet.
    private var responseOwed = false
    /// A request was read whose body has not ended yet.
    private var bodyOpen = false
    /// After the owed response ends, the connection closes.
    private var closeAfterResponse = false
    /// Nothing more is written: the connection is closing.
    private var closing = false
    private let started = ContinuousClock.now

    init(metrics: RequestMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    /// Puts the `HTTP1RequestGuard`, which checks what only HTTP/1 shows (the
    /// version), before the codec that turns HTTP/1 into HTTP types.
    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
            try? pipeline.addHandler(HTTP1RequestGuard(), position: .before(codec))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            responseOwed = true
            bodyOpen = true
        case .end:
            bodyOpen = false
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closing else {
            // Hummingbird's own answer to the error, after ours: dropped.
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if case .end = unwrapOutboundIn(data) {
            responseOwed = false
            if closeAfterResponse {
                closing = true
                let channel = context.channel
                context.writeAndFlush(data).whenComplete { _ in channel.close(promise: nil) }
                promise?.succeed()
                return
            }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError || error is HTTP1TypeConversionError || error is HTTP1RequestGuard.Refusal else {
            context.fireErrorCaught(error)
            return
        }
        guard !closing && !closeAfterResponse else { return }
        if responseOwed {
            // In the body of a request being answered: its handler hears of
            // it, and the connection closes after its answer.
            closeAfterResponse = true
            context.fireErrorCaught(error)
            return
        }
        closing = true
        let channel = context.channel
        if bodyOpen {
            // In the body of a request already answered: nothing is owed.
            channel.close(promise: nil)
            return
        }
        let problem = Self.problem(for: error)
        let requestID = request?.headerFields[.requestID].flatMap(RequestIdentityMiddleware.acceptable) ?? RequestIDs.requestID()
        let body = (try? OrderedJSONEncoder().encode(problem.body)) ?? []
        var headers: HTTPFields = [
            .contentType: "application/problem+json", .contentLength: String(body.count), .connection: "close",
        ]
        headers[.requestID] = requestID
        context.write(wrapOutboundOut(.head(HTTPResponse(status: problem.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }

        metrics.record(route: "unmatched", method: "UNKNOWN", status: problem.status.code, duration: ContinuousClock.now - started)
        logger.info(
            "request refused by the HTTP parser",
            metadata: [
                "request_id": .string(requestID), "status": .stringConvertible(problem.status.code), "error": .string(problem.detail),
            ]
        )
    }

    /// 431 for headers over the limits, 400 for the rest.
    static func problem(for error: any Error) -> Problem {
        if let refusal = error as? HTTP1RequestGuard.Refusal {
            return Problem(status: .badRequest, code: "bad_request", detail: refusal.reason)
        }
        let reason: String
        switch error as? HTTPParserError {
        case .headerOverflow:
            return Problem(
                status: .requestHeaderFieldsTooLarge, code: "headers_too_large",
                detail: "the request's headers are over the limit of 80 KiB or 1,000 fields")
        case .invalidChunkSize: reason = "a chunk size is not a hexadecimal number"
        case .invalidContentLength, .unexpectedContentLength: reason = "its Content-Length is invalid or contradicts its framing"
        case .invalidHeaderToken: reason = "a header is malformed (Transfer-Encoding not chunked, or a bad character)"
        case .invalidCharactersUsed: reason = "it holds characters HTTP does not allow there"
        case .invalidMethod: reason = "its method is not valid"
        case .invalidURL: reason = "its target is not a valid path"
        case .invalidVersion: reason = "its HTTP version is not valid"
        case .lfExpected: reason = "a line does not end with CRLF"
        case .invalidEOFState, .closedConnection: reason = "it ended before it was complete"
        default: reason = "it is not framed as HTTP/1.1 requires"
        }
        return Problem(status: .badRequest, code: "bad_request", detail: "the request is not valid HTTP/1.1: \(reason)")
    }
}

/// Refuses, before anything reads them, requests that RFC 9112 says a server
/// must refuse and that the HTTP parser lets through: an HTTP/1.1 request
/// without `Host`, any with two, and `Transfer-Encoding` on HTTP/1.0 (whose
/// body would then run to the end of the connection: a smuggling vector).
/// What follows a refused head is dropped; `ProtocolErrorHandler` answers.
///
/// Lives on its channel's event loop: not `Sendable`.
final class HTTP1RequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// Why a request was refused, for the problem's detail.
    struct Refusal: Error {
        let reason: String
    }

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if case .head(let head) = unwrapInboundIn(data), let reason = Self.refusal(of: head) {
            refused = true
            context.fireErrorCaught(Refusal(reason: reason))
            return
        }
        context.fireChannelRead(data)
    }

    static func refusal(of head: HTTPRequestHead) -> String? {
        let hosts = head.headers["Host"]
        if hosts.count > 1 { return "the request has more than one Host header" }
        if head.version == .http1_1 && hosts.isEmpty { return "an HTTP/1.1 request needs a Host header" }
        if let host = hosts.first,
            host.isEmpty || !host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") })
        {
            return "the request's Host header is not a host name"
        }
        if head.version.major == 1 && head.version.minor == 0 && head.headers.contains(name: "Transfer-Encoding") {
            return "Transfer-Encoding is not part of HTTP/1.0; send the body with a Content-Length"
        }
        return nil
    }
}
