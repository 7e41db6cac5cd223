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

    /// `{"text": "5 minutes ago", "exact": "2026-11-26 17:03 UTC", "iso": "…"}`.
    static func time(_ rfc3339: Any?, now: Date = Date()) -> [String: Any] {
        guard let text = rfc3339 as? String, let stamp = Timestamp(rfc3339: text) else { return ["text": "", "exact": "", "iso": ""] }
        let date = Date(timeIntervalSince1970: Double(stamp.millisecondsSinceEpoch) / 1000)
        let seconds = Int(now.timeIntervalSince(date))
        let relative: String
        switch seconds {
        case ..<45: relative = "just now"
        case ..<90: relative = "a minute ago"
        case ..<3600: relative = "\(seconds / 60) minutes ago"
        case ..<5400: relative = "an hour ago"
        case ..<86_400: relative = "\(seconds / 3600) hours ago"
        case ..<172_800: relative = "yesterday"
        default: relative = "\(seconds / 86_400) days ago"
        }
        let exact = String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + " UTC"
        return ["text": relative, "exact": exact, "iso": text]
    }

    /// Labels typed as `crash, ui data-loss`: split at commas and spaces.
    static func labels(_ typed: String) -> [String] {
        typed.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }
}
