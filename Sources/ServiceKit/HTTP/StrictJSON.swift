/// Checks that bytes are exactly one JSON text as RFC 8259 writes it, before
/// they are decoded: Foundation's decoder also takes trailing commas,
/// comments and NaN, and keeps the last of two equal keys, none of which a
/// client should be able to rely on.
///
/// One pass over the bytes, no allocation but for the keys of each object
/// (to find a key given twice).
public enum StrictJSON {
    /// Why the bytes are not JSON, with the byte offset where it shows.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public let offset: Int

        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Objects and arrays nested deeper than this are refused.
    public static let maximumDepth = 512

    /// Throws the first violation in `bytes`.
    public static func validate(_ bytes: UnsafeRawBufferPointer) throws(Violation) {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        if scanner.index < bytes.count {
            throw scanner.violation("more text after the JSON value")
        }
    }

    /// As `validate`, over an array of bytes.
    public static func validate(_ bytes: [UInt8]) throws(Violation) {
        let result: Result<Void, Violation> = bytes.withUnsafeBytes { buffer in
            do throws(Violation) {
                try validate(buffer)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        func violation(_ reason: String) -> Violation {
            Violation(reason: reason, offset: index)
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func value(depth: Int) throws(Violation) {
            guard let byte = current else { throw violation("the text ends where a value should be") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try string(keepingBytes: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "/"): throw violation("a comment, which JSON does not have")
            case UInt8(ascii: "N"), UInt8(ascii: "I"): throw violation("NaN and Infinity are not JSON numbers")
            case UInt8(ascii: "'"): throw violation("a single-quoted string; JSON strings use double quotes")
            default: throw violation("an unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(Violation) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw violation("an unknown word") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
                throw violation("an unknown word")
            }
            index += count
        }

        mutating func number() throws(Violation) {
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { throw violation("a number without digits") }
            index += 1
            if first == UInt8(ascii: "0"), let next = current, isDigit(next) {
                throw violation("a number with a leading zero")
            }
            while let byte = current, isDigit(byte) { index += 1 }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, isDigit(byte) else { throw violation("a number without digits after its point") }
                while let byte = current, isDigit(byte) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, isDigit(byte) else { throw violation("a number without digits in its exponent") }
                while let byte = current, isDigit(byte) { index += 1 }
            }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// Scans a string; with `keepingBytes`, returns its decoded UTF-8
        /// bytes (for comparing keys), else nothing.
        mutating func string(keepingBytes: Bool) throws(Violation) -> [UInt8] {
            index += 1  // the opening quote
            var decoded: [UInt8] = []
            while true {
                guard let byte = current else { throw violation("a string that never ends") }
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return decoded
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { throw violation("a string that never ends") }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                        if keepingBytes { decoded.append(escaped) }
                    case UInt8(ascii: "b"): if keepingBytes { decoded.append(0x08) }
                    case UInt8(ascii: "f"): if keepingBytes { decoded.append(0x0C) }
                    case UInt8(ascii: "n"): if keepingBytes { decoded.append(0x0A) }
                    case UInt8(ascii: "r"): if keepingBytes { decoded.append(0x0D) }
                    case UInt8(ascii: "t"): if keepingBytes { decoded.append(0x09) }
                    case UInt8(ascii: "u"):
                        var unit: UInt32 = 0
                        for _ in 0..<4 {
                            guard let hex = current, let digit = hexValue(hex) else {
                                throw violation("a \\u escape without four hex digits")
                            }
                            unit = unit << 4 | digit
                            index += 1
                        }
                        // Keys are compared decoded, so two spellings of one key
                        // (`a` and `\u0061`) match. A lone surrogate keeps its
                        // code unit behind 0xFF, a byte UTF-8 never holds.
                        if keepingBytes {
                            if let scalar = Unicode.Scalar(unit) {
                                decoded += String(Character(scalar)).utf8
                            } else {
                                decoded += [0xFF, UInt8(truncatingIfNeeded: unit >> 8), UInt8(truncatingIfNeeded: unit)]
                            }
                        }
                    default:
                        throw violation("an unknown escape in a string")
                    }
                case 0..<0x20:
                    throw violation("a control character in a string (it must be escaped)")
                default:
                    if keepingBytes { decoded.append(byte) }
                    index += 1
                }
            }
        }

        func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        mutating func object(depth: Int) throws(Violation) {
            guard try !open(depth: depth, closing: UInt8(ascii: "}")) else { return }
            var keys: Set<[UInt8]> = []
            repeat {
                guard current == UInt8(ascii: "\"") else {
                    throw violation(current == UInt8(ascii: "}") ? "a trailing comma" : "an object key that is not a string")
                }
                let start = index
                let key = try string(keepingBytes: true)
                guard keys.insert(key).inserted else {
                    throw Violation(reason: "the key \"\(String(decoding: key, as: UTF8.self))\" given twice", offset: start)
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw violation("a missing colon after an object key") }
                index += 1
                skipWhitespace()
                try value(depth: depth)
            } while try next(closing: UInt8(ascii: "}"), in: "an object")
        }

        mutating func array(depth: Int) throws(Violation) {
            guard try !open(depth: depth, closing: UInt8(ascii: "]")) else { return }
            repeat {
                if current == UInt8(ascii: "]") { throw violation("a trailing comma") }
                try value(depth: depth)
            } while try next(closing: UInt8(ascii: "]"), in: "an array")
        }

        /// Steps into an object or array; true when it is empty (and closed).
        mutating func open(depth: Int, closing: UInt8) throws(Violation) -> Bool {
            guard depth <= StrictJSON.maximumDepth else { throw violation("objects and arrays nested too deeply") }
            index += 1
            skipWhitespace()
            guard current == closing else { return false }
            index += 1
            return true
        }

        /// After a member: true at a comma (another follows), false at the
        /// closing brace or bracket, which it steps over.
        mutating func next(closing: UInt8, in container: String) throws(Violation) -> Bool {
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                return true
            case closing:
                index += 1
                return false
            default:
                throw violation("a missing comma or closing \(closing == UInt8(ascii: "}") ? "brace" : "bracket") in \(container)")
            }
        }
    }
}
