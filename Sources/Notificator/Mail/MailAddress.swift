/// An address with an optional display name: `Bug Tracker <bugtracker@localhost>`.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    public var name: String?
    public var address: String

    public init(name: String?, address: String) {
        self.name = name
        self.address = address
    }

    /// Parses `Name <address>` or a bare `address`; nil when there is no
    /// plausible address, or a line break anywhere.
    public init?(parsing text: String) {
        let text = text.trimmingSpaces
        guard !text.isEmpty, !text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else { return nil }
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)]).trimmingSpaces
            var name = String(text[..<open]).trimmingSpaces
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            guard Self.isPlausible(address) else { return nil }
            self.init(name: name.isEmpty ? nil : name, address: address)
        } else {
            guard Self.isPlausible(text) else { return nil }
            self.init(name: nil, address: text)
        }
    }

    public var description: String {
        name.map { "\($0) <\(address)>" } ?? address
    }

    private static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," })
    }

    /// The default sender.
    public static let defaultSender = MailAddress(name: "Bug Tracker", address: "bugtracker@localhost")
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
