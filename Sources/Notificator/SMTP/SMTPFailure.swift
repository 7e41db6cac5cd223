import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Turns what went wrong on an SMTP connection into a `MailerError` whose
/// text is a sentence for an operator (`TLS handshake failed: certificate
/// not trusted`, `cannot connect to mail.example.com:587: connection
/// refused`), never a Swift type, a source path or a stack; the error itself
/// goes to the log.
enum SMTPFailure {
    /// The failure `error` means for a send to `host:port`. `recorded` is the
    /// first error the connection's pipeline saw, when there was one: a TLS
    /// alert that closed the channel is the cause, not the write that then
    /// found it closed.
    static func mailerError(_ error: any Error, recorded: (any Error)?, host: String, port: Int) -> MailerError {
        if let error = error as? MailerError { return error }
        let cause = recorded ?? (error as? SMTPSession.ConnectionLost)?.underlying ?? error
        if let tls = tlsReason(cause) { return .setup("TLS handshake failed: \(tls)") }
        let server = "\(host):\(port)"
        switch cause {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first?.error { return connectFailure(first, server: server) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return .temporary("cannot resolve \(host)") }
            return .temporary("cannot connect to \(server)")
        case ChannelError.connectTimeout:
            return .temporary("cannot connect to \(server): timed out")
        case let error as IOError:
            return connectFailure(error, server: server)
        case is SMTPSession.ConnectionLost, ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.eof:
            return .temporary("the connection to \(server) closed before the message was accepted")
        case is SMTPReplyDecoder.ProtocolError:
            return .temporary("\(server) answered with something that is not SMTP")
        default:
            return .temporary("the connection to \(server) failed")
        }
    }

    private static func connectFailure(_ error: any Error, server: String) -> MailerError {
        guard let error = error as? IOError else { return .temporary("cannot connect to \(server)") }
        switch error.errnoCode {
        case ECONNREFUSED: return .temporary("cannot connect to \(server): connection refused")
        case ETIMEDOUT: return .temporary("cannot connect to \(server): timed out")
        case ECONNRESET, EPIPE: return .temporary("the connection to \(server) was reset")
        case ENETUNREACH, EHOSTUNREACH: return .temporary("cannot connect to \(server): no route to it")
        default: return .temporary("cannot connect to \(server): \(String(cString: strerror(error.errnoCode)))")
        }
    }

    /// Why a TLS handshake failed, in words, when `error` is one.
    static func tlsReason(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's certificate is not for this host name"
        }
        guard let error = error as? NIOSSLError else { return nil }
        switch error {
        case .handshakeFailed(let inner):
            let text = String(describing: inner)
            if text.contains("CERTIFICATE_VERIFY_FAILED") { return "certificate not trusted" }
            if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") {
                return "the server does not speak TLS on this port"
            }
            if text.contains("TLSV1_ALERT") || text.contains("SSLV3_ALERT") { return "the server refused the connection with a TLS alert" }
            return "the connection could not be secured"
        case .uncleanShutdown: return "the server closed the connection during the handshake"
        default: return "the connection could not be secured"
        }
    }
}

/// Keeps the first error a connection's pipeline caught, for `SMTPFailure`.
/// Sits after the reply decoder; passes everything on.
final class FirstErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = SMTPReply
    typealias InboundOut = SMTPReply

    private let first = Mutex<(any Error)?>(nil)

    /// The first error caught, if any.
    var error: (any Error)? { first.withLock { $0 } }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        first.withLock { if $0 == nil { $0 = error } }
        context.fireErrorCaught(error)
    }
}
