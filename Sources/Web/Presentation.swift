import Foundation
import ServiceKit

/// How API values are shown to people: words for states, names for ids,
/// relative times with the exact one beside.
enum Presentation {
    static let statuses = ["open", "in_progress", "resolved", "closed"]
    static let priorities = ["low", "normal", "high", "urgent"]

    /// The status moves the bugs API allows from each status.
    static let moves: [String: [String]] = [
        "open": ["in_progress", "resolved", "closed"],
        "in_progress": ["open", "resolved", "closed"],
        "resolved": ["closed", "open"],
        "closed": ["open"],
    ]

    /// `in_progress` → `In progress`.
    static func word(_ value: String) -> String {
        // Swift's own string operations: Foundation's `replacingOccurrences`
        // bridges through NSString, and every list row shows two words.
        let spaced = String(value.map { $0 == "_" ? " " : $0 })
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }

    /// A person as shown: their name, else `user #id`.
    static func displayName(_ user: [String: Any]) -> String {
        if let name = user["name"] as? String, !name.isEmpty { return name }
        return "user #\(id(user["id"]) ?? 0)"
    }

    /// An id from JSON.
    static func id(_ value: Any?) -> Int64? {
        (value as? Int).map(Int64.init)
    }

    /// How long before `now` the RFC 3339 time `rfc3339` was, in words:
    /// "5 minutes ago". Empty for what is not such a time.
    static func relativeTime(_ rfc3339: Any?, now: Date) -> String {
        guard let text = rfc3339 as? String, let stamp = Timestamp(rfc3339: text) else { return "" }
        let seconds = Int(now.timeIntervalSince(Date(timeIntervalSince1970: Double(stamp.millisecondsSinceEpoch) / 1000)))
        switch seconds {
        case ..<45: return "just now"
        case ..<90: return "a minute ago"
        case ..<3600: return "\(seconds / 60) minutes ago"
        case ..<5400: return "an hour ago"
        case ..<86_400: return "\(seconds / 3600) hours ago"
        case ..<172_800: return "yesterday"
        default: return "\(seconds / 86_400) days ago"
        }
    }

    /// `{"text": "5 minutes ago", "exact": "2026-11-26 17:03:12 UTC", "iso": "…"}`;
    /// `text` is `relativeTime(rfc3339, now: now)`.
    static func time(_ rfc3339: Any?, now: Date = Date()) -> [String: Any] {
        // Words are empty only for what is not a time: one parse, not two.
        let relative = relativeTime(rfc3339, now: now)
        guard let text = rfc3339 as? String, !relative.isEmpty else { return ["text": "", "exact": "", "iso": ""] }
        let exact = String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + " UTC"
        return ["text": relative, "exact": exact, "iso": text]
    }

    /// Labels typed as `crash, ui data-loss`: split at commas and spaces.
    static func labels(_ typed: String) -> [String] {
        typed.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }
}
