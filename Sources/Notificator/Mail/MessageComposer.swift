import Foundation
import ServiceKit

/// Writes an `OutgoingMail` as an RFC 5322 message.
///
/// Headers: Message-ID, Date, From, To, Subject, References (when the mail
/// has a thread), MIME-Version, Content-Type, Content-Transfer-Encoding,
/// X-BugTracker-Topic. A subject or display name
/// that is not plain ASCII is RFC 2047 encoded; no value can add a header or
/// a recipient, because control characters never reach a header. The body is
/// UTF-8 text: sent as 8bit when every line fits SMTP's 998 octets and 8-bit
/// data may be sent, else quoted-printable.
public enum MessageComposer {
    /// How lines end: CRLF on the wire, LF in a Maildir file.
    public enum LineEnding: String, Sendable {
        case crlf = "\r\n"
        case lf = "\n"
    }

    /// The message's bytes.
    ///
    /// Built as bytes rather than joined strings: composing was an eighth
    /// of the notificator's time while it drained a queue over SMTP.
    public static func compose(_ mail: OutgoingMail, lineEnding: LineEnding, allow8bit: Bool = true) -> [UInt8] {
        let body = Array(mail.body.utf8)
        let bodyLines = normalizedLines(body)
        let fitsInLines = bodyLines.allSatisfy { $0.count <= 998 }
        let isASCII = body.allSatisfy { $0 < 0x80 }
        let encoding = fitsInLines && (isASCII || allow8bit) ? (isASCII ? "7bit" : "8bit") : "quoted-printable"
        var headers: [String] = [
            "Message-ID: \(oneLine(mail.messageID))",
            "Date: \(rfc5322Date(mail.date))",
            "From: \(addressHeader(mail.from))",
            "To: \(oneLine(mail.to))",
            "Subject: \(encodedWord(mail.subject))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(encoding)",
            "X-BugTracker-Topic: \(oneLine(mail.topic))",
        ]
        if let reference = mail.thread.flatMap(threadReference) { headers.insert("References: \(reference)", at: 5) }
        let ending: [UInt8] = lineEnding == .crlf ? [0x0D, 0x0A] : [0x0A]
        var message: [UInt8] = []
        message.reserveCapacity(body.count + body.count / 8 + 512)
        func append(line: some Sequence<UInt8>) {
            message += line
            message += ending
        }
        for header in headers { fold(header).forEach { append(line: $0.utf8) } }
        append(line: [])
        if encoding == "quoted-printable" {
            quotedPrintable(bodyLines).forEach { append(line: $0) }
        } else {
            bodyLines.forEach { append(line: $0) }
        }
        return message
    }

    /// `<bug-7@bugtracker>` for thread `bug-7`: the id of the conversation's
    /// (never sent) first message, which every mail of it refers to. Nil for
    /// a thread that is not letters, digits, dots and hyphens, which no
    /// message-id may hold otherwise.
    static func threadReference(_ thread: String) -> String? {
        let allowed = thread.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
        guard !thread.isEmpty, thread.utf8.count <= 100, allowed else { return nil }
        return "<\(thread)@bugtracker>"
    }

    /// `text` split into lines, whatever its line endings were (CRLF, LF
    /// or a lone CR).
    static func normalizedLines(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < text.count {
            switch text[index] {
            case 0x0A:
                lines.append(text[start..<index])
                start = index + 1
            case 0x0D:
                lines.append(text[start..<index])
                if index + 1 < text.count && text[index + 1] == 0x0A { index += 1 }
                start = index + 1
            default:
                break
            }
            index += 1
        }
        lines.append(text[start...])
        return lines
    }

    /// A header value on one line: every control character becomes a space.
    static func oneLine(_ value: String) -> String {
        // Control characters are single bytes in UTF-8, never part of a
        // longer sequence, so they can be replaced byte for byte.
        func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
        guard value.utf8.contains(where: isControl) else { return value }
        return String(decoding: value.utf8.map { isControl($0) ? 0x20 : $0 }, as: UTF8.self)
    }

    /// RFC 5322's specials: a display name holding one is quoted.
    private static let addressSpecials = Set("()<>[]:;@\\,.\"".utf8)

    /// `Name <address>`, the name encoded when it is not plain ASCII.
    static func addressHeader(_ address: MailAddress) -> String {
        guard let name = address.name.map(oneLine), !name.isEmpty else { return oneLine(address.address) }
        let needsQuotes = name.utf8.contains(where: addressSpecials.contains)
        let shown =
            isPlainASCII(name) && !looksLikeEncodedWord(name)
            ? (needsQuotes ? "\"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" : name)
            : encodedWord(name)
        return "\(shown) <\(oneLine(address.address))>"
    }

    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// Whether `text` holds `=?`, which starts an RFC 2047 encoded word.
    static func looksLikeEncodedWord(_ text: String) -> Bool {
        zip(text.utf8, text.utf8.dropFirst()).contains { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }
    }

    /// RFC 2047: `=?UTF-8?B?…?=` words of at most 75 characters, split
    /// between characters, never inside one. Plain ASCII stays as it is,
    /// unless it holds `=?`: a mail reader would decode what looks like an
    /// encoded word, so a bug titled `=?UTF-8?B?WW91ciBhY2NvdW50…?=` would
    /// show as "Your account is suspended". Encoded, it shows as typed.
    static func encodedWord(_ text: String) -> String {
        let text = oneLine(text)
        if isPlainASCII(text) && !looksLikeEncodedWord(text) { return text }
        // 75 - "=?UTF-8?B?".count - "?=".count = 63 base64 characters = 45 bytes.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: " ")
    }

    /// A header line folded at spaces so no line passes 78 characters
    /// where it can be helped (and never 998). The field's first word stays
    /// beside its name: `Subject:` alone on a line, its value on the next,
    /// shows as an empty subject in some readers.
    static func fold(_ header: String) -> [String] {
        guard header.utf8.count > 78 else { return [header] }
        var lines: [String] = []
        var current = ""
        for (index, word) in header.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 1 && !current.isEmpty && current.utf8.count + 1 + word.utf8.count > 78 {
                lines.append(current)
                current = " " + word
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        lines.append(current)
        return lines
    }

    /// Quoted-printable lines of at most 76 characters.
    static func quotedPrintable(_ lines: [ArraySlice<UInt8>]) -> [[UInt8]] {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var output: [[UInt8]] = []
        for line in lines {
            var encoded: [UInt8] = []
            for index in line.indices {
                let byte = line[index]
                let isLast = index == line.index(before: line.endIndex)
                let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast)
                if encoded.count + (literal ? 1 : 3) > 75 {
                    output.append(encoded + [UInt8(ascii: "=")])
                    encoded = []
                }
                if literal {
                    encoded.append(byte)
                } else {
                    encoded += [UInt8(ascii: "="), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
                }
            }
            output.append(encoded)
        }
        return output
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Wed, 25 Nov 2026 14:38:36 +0000`.
    static func rfc5322Date(_ timestamp: Timestamp) -> String {
        let seconds = timestamp.millisecondsSinceEpoch / 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
