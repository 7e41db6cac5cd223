import Crypto
import Foundation
import ServiceKit

/// A full-text query as people write it: words, `"a phrase"`, `prefix*`,
/// all of which must match. Turned into an FTS5 expression in which every
/// term is quoted, so nothing a person types is read as FTS5's own syntax
/// (`NEAR`, `OR`, `title:`, `^`): those are words like any other.
///
/// Refused (`invalid_parameter`): an unclosed quote, a `*` anywhere but at
/// the end of a word, a prefix shorter than 2 characters, no word at all,
/// more than 20 terms or 500 characters.
public struct SearchQuery: Sendable, Hashable {
    /// The FTS5 MATCH expression.
    public let expression: String

    public init(_ text: String) throws {
        guard text.unicodeScalars.count <= 500 else { throw Self.malformed("must be at most 500 characters") }
        // A NUL ends the text in SQLite's FTS5 query parser, which then fails:
        // control characters are refused here, as a 400.
        if let control = text.unicodeScalars.first(where: { TextRules.isControl($0) && !TextRules.isWhitespace($0) }) {
            let hex = String(control.value, radix: 16, uppercase: true)
            throw Self.malformed(
                "must not contain control characters (it holds U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))")
        }
        var terms: [String] = []
        var scalars = text.unicodeScalars[...]
        while let first = scalars.first {
            if TextRules.isWhitespace(first) {
                scalars = scalars.dropFirst()
            } else if first == "\"" {
                let rest = scalars.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else { throw Self.malformed("has a quote that is not closed") }
                let phrase = String(String.UnicodeScalarView(rest[..<close]))
                scalars = rest[rest.index(after: close)...]
                if let next = scalars.first, !TextRules.isWhitespace(next) {
                    throw Self.malformed("needs a space after the closing quote of \"\(phrase)\"")
                }
                if Self.hasWordCharacter(phrase) { terms.append("\"\(phrase)\"") }
            } else {
                let end = scalars.firstIndex { TextRules.isWhitespace($0) || $0 == "\"" } ?? scalars.endIndex
                var word = String(String.UnicodeScalarView(scalars[..<end]))
                scalars = scalars[end...]
                let isPrefix = word.hasSuffix("*")
                if isPrefix { word.removeLast() }
                guard !word.contains("*") else { throw Self.malformed("has a * inside \(word); it may only end a word") }
                if isPrefix && word.unicodeScalars.count < 2 {
                    throw Self.malformed("has a prefix shorter than 2 characters before its *")
                }
                if Self.hasWordCharacter(word) { terms.append("\"\(word)\"" + (isPrefix ? "*" : "")) }
            }
        }
        guard !terms.isEmpty else { throw Self.malformed("holds no word to search for") }
        guard terms.count <= 20 else { throw Self.malformed("holds \(terms.count) terms; at most 20") }
        self.expression = terms.joined(separator: " ")
    }

    /// A word or phrase without a letter or digit matches nothing, and FTS5
    /// would drop it anyway; leaving it out keeps the rest of the query.
    private static func hasWordCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }

    private static func malformed(_ reason: String) -> Problem {
        Problem.invalidParameter("q", reason + #" (words, "a phrase", prefix*)"#)
    }
}

/// Where the next page of a search starts: an offset into the matches in
/// rank order, tied to the query it came from, so that it cannot be used to
/// page another one. Opaque to clients, like every cursor.
enum SearchCursor {
    private static let prefix = "rank:"

    static func encode(offset: Int, query: SearchQuery, filter: BugFilter) -> String {
        Base64URL.encode(Array("\(prefix)\(offset):\(fingerprint(query, filter))".utf8))
    }

    /// The offset in `cursor`; nil for a cursor of another list or query.
    static func decode(_ cursor: String, query: SearchQuery, filter: BugFilter) -> Int? {
        guard cursor.count <= 100, let bytes = Base64URL.decode(cursor), let text = String(bytes: bytes, encoding: .utf8),
            text.hasPrefix(prefix)
        else { return nil }
        let parts = text.dropFirst(prefix.count).split(separator: ":")
        guard parts.count == 2, let offset = Int(parts[0]), offset > 0, parts[1] == fingerprint(query, filter) else { return nil }
        return offset
    }

    private static func fingerprint(_ query: SearchQuery, _ filter: BugFilter) -> String {
        let described = "\(query.expression)|\(filter)"
        return Hex.encode(SHA256.hash(data: Array(described.utf8)).prefix(6))
    }
}
