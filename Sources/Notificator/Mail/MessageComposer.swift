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
    public static func compose(_ mail: OutgoingMail, lineEnding: LineEnding, allow8bit: Bool = true) -> [UInt8] {
        let bodyLines = normalizedLines(mail.body)
        let fitsInLines = bodyLines.allSatisfy { $0.utf8.count <= 998 }
        let isASCII = mail.body.utf8.allSatisfy { $0 < 0x80 }
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
        headers = headers.flatMap(fold)
        let body = encoding == "quoted-printable" ? quotedPrintable(bodyLines) : bodyLines
        let text = (headers + [""] + body).joined(separator: lineEnding.rawValue) + lineEnding.rawValue
        return Array(text.utf8)
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

    /// `text` split into lines, whatever its line endings were.
    static func normalizedLines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// A header value on one line: every control character becomes a space.
    static func oneLine(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// `Name <address>`, the name encoded when it is not plain ASCII.
    static func addressHeader(_ address: MailAddress) -> String {
        guard let name = address.name.map(oneLine), !name.isEmpty else { return oneLine(address.address) }
        let needsQuotes = name.contains { "()<>[]:;@\\,.\"".contains($0) }
        let shown =
            isPlainASCII(name) && !name.contains("=?")
            ? (needsQuotes ? "\"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" : name)
            : encodedWord(name)
        return "\(shown) <\(oneLine(address.address))>"
    }

    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// RFC 2047: `=?UTF-8?B?…?=` words of at most 75 characters, split
    /// between characters, never inside one. Plain ASCII stays as it is,
    /// unless it holds `=?`: a mail reader would decode what looks like an
    /// encoded word, so a bug titled `=?UTF-8?B?WW91ciBhY2NvdW50…?=` would
    /// show as "Your account is suspended". Encoded, it shows as typed.
    static func encodedWord(_ text: String) -> String {
        let text = oneLine(text)
        if isPlainASCII(text) && !text.contains("=?") { return text }
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
    static func quotedPrintable(_ lines: [String]) -> [String] {
        var output: [String] = []
        for line in lines {
            var encoded = ""
            var length = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast)
                let hex = String(byte, radix: 16, uppercase: true)
                let piece = literal ? String(UnicodeScalar(byte)) : "=" + (byte < 16 ? "0" + hex : hex)
                if length + piece.count > 75 {
                    output.append(encoded + "=")
                    encoded = ""
                    length = 0
                }
                encoded += piece
                length += piece.count
            }
            output.append(encoded)
        }
        return output
    }

    /// `Wed, 25 Nov 2026 14:38:36 +0000`.
    static func rfc5322Date(_ timestamp: Timestamp) -> String {
        let seconds = timestamp.millisecondsSinceEpoch / 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
