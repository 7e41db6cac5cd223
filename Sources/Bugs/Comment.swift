public import Hummingbird
public import ServiceKit

/// A comment on a bug.
public struct Comment: Sendable, Hashable, ResponseEncodable {
    public var id: Int64
    public var bugID: Int64
    /// Who wrote it; nil for a service.
    public var authorID: Int64?
    public var body: String
    public var createdAt: Timestamp

    public init(id: Int64, bugID: Int64, authorID: Int64?, body: String, createdAt: Timestamp) {
        self.id = id
        self.bugID = bugID
        self.authorID = authorID
        self.body = body
        self.createdAt = createdAt
    }

    /// In the contract's order, which the encoding follows.
    enum CodingKeys: String, CodingKey {
        case id
        case bugID = "bug_id"
        case authorID = "author_id"
        case body
        case createdAt = "created_at"
    }

}

/// A comment's text, valid by construction: 1 to 20,000 characters after
/// trimming, with something visible, no NUL. Line breaks and the rest of a
/// discussion's text are kept as written.
public struct CommentBody: Sendable, Hashable {
    public let text: String

    public init(_ text: String) throws {
        let trimmed = TextRules.trimmed(text)
        guard TextRules.hasVisibleCharacter(trimmed) else { throw FieldError(field: "body", reason: "must not be empty") }
        guard TextRules.length(trimmed) <= 20_000 else { throw FieldError(field: "body", reason: "must be at most 20000 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw FieldError(field: "body", reason: "must not contain NUL characters")
        }
        self.text = trimmed
    }
}
