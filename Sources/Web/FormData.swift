import Foundation
import Hummingbird

/// A submitted form (`application/x-www-form-urlencoded`), as the pages'
/// POST handlers read it.
struct FormData: Sendable {
    private var fields: [String: [String]] = [:]

    /// The largest form the pages take: a description or comment of 20,000
    /// characters, percent-encoded, with room to spare.
    static let maximumBytes = 256 * 1024

    init(_ encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
    }

    /// Reads the request's body as a form.
    static func read(_ request: Request) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: maximumBytes)
        return FormData(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    /// `+` is a space; then percent-decoding. Malformed escapes are kept as typed.
    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The field's last value; nil when it was not sent.
    subscript(_ name: String) -> String? { fields[name]?.last }

    /// The field's value, or "" when it was not sent.
    func text(_ name: String) -> String { fields[name]?.last ?? "" }
}
