import Foundation
import NIOHTTP1
import ServiceKit

/// The people the pages name and offer in the assignee pickers: the users
/// list, read with the signed-in person's token when a page needs it.
///
/// Read per page, not cached: a person who signed up a moment ago must be
/// assignable at once, and the list is one call beside the page's others.
struct PeopleDirectory: Sendable {
    let api: APIClient

    /// At most this many people are offered (pages of 100).
    static let limit = 1000

    /// Everyone as `(id, display name)`, in id order.
    func everyone(token: String, identity: OutgoingRequestIdentity) async throws -> [Person] {
        var people: [Person] = []
        var cursor: String?
        repeat {
            let response = try await api.call(
                .GET, .users, "/users" + APIClient.query([("limit", "100"), ("cursor", cursor ?? "")]), token: token,
                identity: identity)
            guard response.isSuccess else { break }
            let object = response.object
            for user in object["items"] as? [[String: Any]] ?? [] {
                if let id = Presentation.id(user["id"]) { people.append(Person(id: id, name: Presentation.displayName(user))) }
            }
            cursor = object["next_cursor"] as? String
        } while cursor != nil && people.count < Self.limit
        return people
    }
}

/// A person as the pages show them.
struct Person: Sendable {
    let id: Int64
    let name: String
}

extension Array where Element == Person {
    /// Names by id.
    var names: [Int64: String] { Dictionary(map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }) }

    /// Options for an assignee `<select>`, "nobody" first.
    func assigneeOptions(selected: Int64?) -> [[String: Any]] {
        [["value": "", "label": "Nobody", "selected": selected == nil]]
            + map { ["value": String($0.id), "label": $0.name, "selected": $0.id == selected] }
    }
}
