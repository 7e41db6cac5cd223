import Crypto
import Foundation
import ServiceKit

/// A full-text query as people write it: words, `"a phrase"`, `prefix*`,
/// all of which must match. Turned into an FTS5 expression in which every
/// term is quoted, so nothing a person types is read as FTS5's own syntax
/// (`NEAR`, `OR`, `title:`, `^`): those are words like any other.
///
/// Read the way a search box is: a quote left open runs to the end, a `*`
/// that does not end a word of 2 characters or more separates words, and
/// a query with no letter or digit in it matches nothing. Refused
/// (`invalid_parameter`), because they are not text: control characters
/// other than white space, and more than 500 characters (what the OpenAPI
/// document says, so that every query it allows is answered).
public struct SearchQuery: Sendable, Hashable {
    /// The FTS5 MATCH expression; empty when the query holds no word, and
    /// so matches nothing.
    public let expression: String

    /// Whether the query can match anything.
    public var matchesNothing: Bool { expression.isEmpty }

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
            if TextRules.isWhitespace(first) || first == "*" {
                scalars = scalars.dropFirst()
            } else if first == "\"" {
                let rest = scalars.dropFirst()
                let close = rest.firstIndex(of: "\"") ?? rest.endIndex
                let phrase = String(String.UnicodeScalarView(rest[..<close]))
                scalars = close == rest.endIndex ? rest[close...] : rest[rest.index(after: close)...]
                // Quotes inside a phrase cannot occur (one ends it), so quoting it is safe.
                if Self.hasWordCharacter(phrase) { terms.append("\"\(phrase)\"") }
            } else {
                let end = scalars.firstIndex { TextRules.isWhitespace($0) || $0 == "\"" || $0 == "*" } ?? scalars.endIndex
                let word = String(String.UnicodeScalarView(scalars[..<end]))
                scalars = scalars[end...]
                // A `*` right after a word of 2 characters or more makes it a prefix.
                let isPrefix = scalars.first == "*" && word.unicodeScalars.count >= 2
                if isPrefix { scalars = scalars.dropFirst() }
                if Self.hasWordCharacter(word) { terms.append("\"\(word)\"" + (isPrefix ? "*" : "")) }
            }
        }
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

    /// The query and every filter field, spelled out field by field: a
    /// struct's interpolated description is built by reflection, which cost
    /// a tenth of a search's time on the cooperative pool, and its format is
    /// the standard library's to change.
    private static func fingerprint(_ query: SearchQuery, _ filter: BugFilter) -> String {
        let described = [
            query.expression, filter.status?.rawValue ?? "", filter.priority?.rawValue ?? "",
            filter.reporterID.map(String.init) ?? "", filter.assigneeID.map(String.init) ?? "", filter.labels.joined(separator: ","),
        ].joined(separator: "|")
        return Hex.encode(SHA256.hash(data: Array(described.utf8)).prefix(6))
    }
}
