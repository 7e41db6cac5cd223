import Foundation

/// Reads the users and bugs APIs' JSON answers into the plain values the
/// pages look into: `[String: Any]`, `[Any]`, `String`, `Int` (`Double` for a
/// number with a fraction or an exponent, or too large for `Int`), `Bool`,
/// and `NSNull` for null.
///
/// Written here rather than Foundation's `JSONSerialization`, which on Linux
/// parses into a tree of its own and then converts every value into an
/// `NSNumber`, `NSString` or bridged collection: that was a sixth of the web
/// service's time on a bug-list page (25 bugs), more than rendering the page.
/// The pages need only RFC 8259 as the APIs write it.
enum JSONReader {
    /// Why a body is not JSON; the pages treat it as an empty answer.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The value `bytes` hold: one JSON text, with nothing after it but
    /// white space.
    static func value(_ bytes: [UInt8]) throws -> Any {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Cursor(bytes: buffer)
            let value = try reader.value(depth: 0)
            reader.skipWhiteSpace()
            guard reader.index == buffer.count else { throw Malformed(description: "text after the value at byte \(reader.index)") }
            return value
        }
    }

    /// Nesting deeper than this is refused rather than recursed into.
    static let maximumDepth = 256

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func skipWhiteSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        func failure(_ what: String) -> Malformed {
            Malformed(description: "\(what) at byte \(index)")
        }

        mutating func value(depth: Int) throws -> Any {
            guard depth < JSONReader.maximumDepth else { throw failure("nesting too deep") }
            skipWhiteSpace()
            guard index < bytes.count else { throw failure("a value expected") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return try string()
            case UInt8(ascii: "t"): return try literal("true", true)
            case UInt8(ascii: "f"): return try literal("false", false)
            case UInt8(ascii: "n"): return try literal("null", NSNull())
            default: return try number()
            }
        }

        private mutating func object(depth: Int) throws -> [String: Any] {
            index += 1
            var object: [String: Any] = [:]
            skipWhiteSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return object
            }
            while true {
                skipWhiteSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("a key expected") }
                let key = try string()
                skipWhiteSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("':' expected") }
                index += 1
                object[key] = try value(depth: depth + 1)
                if try endsAfterMember(closing: UInt8(ascii: "}")) { return object }
            }
        }

        private mutating func array(depth: Int) throws -> [Any] {
            index += 1
            var array: [Any] = []
            skipWhiteSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return array
            }
            while true {
                array.append(try value(depth: depth + 1))
                if try endsAfterMember(closing: UInt8(ascii: "]")) { return array }
            }
        }

        /// Reads what follows a member of an object or array: true at the
        /// container's `closing` bracket, false at a comma.
        private mutating func endsAfterMember(closing: UInt8) throws -> Bool {
            skipWhiteSpace()
            guard index < bytes.count else { throw failure("'\(Character(Unicode.Scalar(closing)))' expected") }
            let separator = bytes[index]
            index += 1
            if separator == closing { return true }
            guard separator == UInt8(ascii: ",") else { throw failure("',' or '\(Character(Unicode.Scalar(closing)))' expected") }
            return false
        }

        private mutating func literal(_ word: StaticString, _ value: Any) throws -> Any {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                UnsafeBufferPointer(rebasing: bytes[index..<index + count]).elementsEqual(
                    UnsafeBufferPointer(start: word.utf8Start, count: count))
            else { throw failure("a value expected") }
            index += count
            return value
        }

        private mutating func number() throws -> Any {
            let start = index
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
                throw failure("a value expected")
            }
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): break
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"): integral = false
                default:
                    return try number(from: start, digits: digits, integral: integral)
                }
                index += 1
            }
            return try number(from: start, digits: digits, integral: integral)
        }

        private func number(from start: Int, digits: Int, integral: Bool) throws -> Any {
            guard index > digits else { throw failure("a value expected") }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if integral, let integer = Int(text) { return integer }
            guard let double = Double(text), double.isFinite else { throw failure("a malformed number") }
            return double
        }

        /// A string from its opening quote; runs without escapes are
        /// decoded at once.
        mutating func string() throws -> String {
            index += 1
            var result = ""
            var run = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    result += String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<index]), as: UTF8.self)
                    index += 1
                    return result
                }
                guard byte >= 0x20 else { throw failure("a control character in a string") }
                guard byte == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                result += String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<index]), as: UTF8.self)
                index += 1
                guard index < bytes.count else { break }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): result += "\""
                case UInt8(ascii: "\\"): result += "\\"
                case UInt8(ascii: "/"): result += "/"
                case UInt8(ascii: "b"): result += "\u{8}"
                case UInt8(ascii: "f"): result += "\u{C}"
                case UInt8(ascii: "n"): result += "\n"
                case UInt8(ascii: "r"): result += "\r"
                case UInt8(ascii: "t"): result += "\t"
                case UInt8(ascii: "u"): result.unicodeScalars.append(try escapedScalar())
                default: throw failure("an unknown escape")
                }
                run = index
            }
            throw failure("an unterminated string")
        }

        /// The scalar of `\uXXXX` (the `\u` read), joining a surrogate pair.
        private mutating func escapedScalar() throws -> Unicode.Scalar {
            let first = try hexQuad()
            if (0xD800..<0xDC00).contains(first) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone surrogate")
                }
                index += 2
                let second = try hexQuad()
                guard (0xDC00..<0xE000).contains(second),
                    let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                else { throw failure("a lone surrogate") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(first) else { throw failure("a lone surrogate") }
            return scalar
        }

        private mutating func hexQuad() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw failure("four hex digits expected") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("four hex digits expected")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
