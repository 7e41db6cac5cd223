public import Outbox

/// A service's outbox feed, as the relay reads it.
public protocol OutboxSource: Sendable {
    /// The source's name (`users`, `bugs`): deliveries and cursors are kept under it.
    var name: String { get }
    /// Messages after `id`, at most `limit`; with nothing new, the call holds
    /// up to `wait` seconds for a commit. Returns them and the last id they reach.
    func messages(after id: Int64, limit: Int, wait: Int) async throws -> (messages: [OutboxMessage], lastID: Int64)
    /// Tells the source that messages up to `id` are taken.
    func acknowledge(upTo id: Int64) async throws
}

/// `--source NAME=URL`.
public struct SourceConfiguration: Sendable, Hashable {
    public var name: String
    public var url: String

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }

    /// Parses `NAME=URL`; nil when the name is empty or not a simple word,
    /// or the URL is not http(s).
    public init?(parsing text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<equals])
        let url = String(text[text.index(after: equals)...])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
            url.hasPrefix("http://") || url.hasPrefix("https://")
        else { return nil }
        self.init(name: name, url: url)
    }
}
