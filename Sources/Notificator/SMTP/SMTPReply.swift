import NIOCore

/// A server's reply: a three-digit code and its text lines.
struct SMTPReply: Sendable, CustomStringConvertible {
    let code: Int
    let lines: [String]

    var isPositive: Bool { (200..<400).contains(code) }
    var isTransientFailure: Bool { (400..<500).contains(code) }

    var description: String { "\(code) \(lines.joined(separator: " / "))" }

    /// The server's words: `550 5.1.1 <bob@example.com>: Recipient address rejected`.
    var sentence: String { "\(code) \(lines.joined(separator: " "))" }

    /// The failure this reply means: permanent for 5xx, temporary otherwise.
    func failure(during step: String) -> MailerError {
        code >= 500 ? .permanent(sentence) : .temporary(sentence)
    }
}

/// Frames the byte stream into replies, multi-line ones (`250-…`) joined.
/// A line longer than 4 KiB, or one that is not a reply, closes the
/// connection with an error.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    private var pending: [String] = []
    private var pendingCode: Int?

    struct ProtocolError: Error, CustomStringConvertible {
        let description: String
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw ProtocolError(description: "a reply line longer than 4 KiB") }
            return .needMoreData
        }
        // Bytes, not a String: "\r\n" is one Character, so a String's
        // hasSuffix("\n") would not see it.
        var bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1) ?? []
        while bytes.last == UInt8(ascii: "\n") || bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let code = Int(String(decoding: bytes[0...2], as: UTF8.self))
        else {
            throw ProtocolError(description: "not an SMTP reply: \(line.prefix(80))")
        }
        let isLast = bytes.count == 3 || bytes[3] == UInt8(ascii: " ")
        let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
        if let pendingCode, pendingCode != code { throw ProtocolError(description: "a multi-line reply changed its code") }
        pending.append(text)
        if isLast {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: pending)))
            pending = []
            pendingCode = nil
        } else {
            pendingCode = code
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
