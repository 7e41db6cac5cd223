import Foundation
import NIOHTTP1
import ServiceKit
import Synchronization

/// The people the pages name and offer in the assignee pickers: the users
/// list, read with a signed-in person's token.
///
/// Every signed-in person may read the same list, so one copy serves every
/// page for `freshFor` (2 s by default) and concurrent pages wait on one
/// read instead of each making its own. A sign-up or a name change through
/// these pages drops the copy at once; one made elsewhere shows within
/// `freshFor`. A list read with a refused token or cut short is used for
/// its page and never kept.
final class PeopleDirectory: Sendable {
    let api: APIClient
    let freshFor: Duration

    /// At most this many people are offered (pages of 100).
    static let limit = 1000

    private struct Copy {
        var people: People
        var readAt: ContinuousClock.Instant
    }

    /// A read of the whole list, and whether it finished (a refused token
    /// or an error stops it early).
    private typealias Read = (people: People, complete: Bool)

    private struct State {
        var copy: Copy?
        /// The read in flight; `forget()` drops it, so it is not kept.
        var reading: Task<Read, any Error>?
        /// The last revision given to a whole list.
        var revisions = 0
    }

    private let state = Mutex(State())

    init(api: APIClient, freshFor: Duration = .seconds(2)) {
        self.api = api
        self.freshFor = freshFor
    }

    /// Everyone, in id order.
    func everyone(token: String, identity: OutgoingRequestIdentity) async throws -> People {
        let now = ContinuousClock.now
        let (kept, reading, startedHere) = state.withLock { state -> (People?, Task<Read, any Error>?, Bool) in
            if let copy = state.copy, now - copy.readAt < freshFor { return (copy.people, nil, false) }
            if let reading = state.reading { return (nil, reading, false) }
            let reading = Task { try await self.read(token: token, identity: identity) }
            state.reading = reading
            return (nil, reading, true)
        }
        guard let reading else { return kept ?? People([], revision: nil) }
        let result: Result<Read, any Error>
        do {
            result = .success(try await reading.value)
        } catch {
            result = .failure(error)
        }
        state.withLock { state in
            guard state.reading == reading else { return }
            state.reading = nil
            if case .success(let read) = result, read.complete { state.copy = Copy(people: read.people, readAt: .now) }
        }
        let read = try result.get()
        // Another page's read that its token did not finish is no answer
        // for this one: read with this page's own token.
        if !read.complete && !startedHere { return try await self.read(token: token, identity: identity).people }
        return read.people
    }

    /// Drops the kept list: the next page reads it again.
    func forget() {
        state.withLock { state in
            state.copy = nil
            state.reading = nil
        }
    }

    private func read(token: String, identity: OutgoingRequestIdentity) async throws -> Read {
        var people: [Person] = []
        var cursor: String?
        repeat {
            let response = try await api.call(
                .GET, .users, "/users" + APIClient.query([("limit", "100"), ("cursor", cursor ?? "")]), token: token,
                identity: identity)
            guard response.isSuccess else { return (People(people, revision: nil), false) }
            let object = response.object
            for user in object["items"] as? [[String: Any]] ?? [] {
                if let id = Presentation.id(user["id"]) { people.append(Person(id: id, name: Presentation.displayName(user))) }
            }
            cursor = object["next_cursor"] as? String
        } while cursor != nil && people.count < Self.limit
        let revision = state.withLock { state in
            // The same people as the kept copy keep its revision, so what
            // was made from it still serves.
            if let kept = state.copy?.people, kept.all == people, let revision = kept.revision { return revision }
            state.revisions += 1
            return state.revisions
        }
        return (People(people, revision: revision), true)
    }
}

/// The people list as one read of it made it.
struct People: Sendable {
    /// Everyone, in id order.
    let all: [Person]
    /// Display names by id.
    private let names: [Int64: String]
    /// Which whole read of the list this is: two `People` with the same
    /// revision hold the same people, so what is made from one (a page's
    /// assignee options) serves the other. Nil for a read cut short.
    let revision: Int?

    /// The name a page shows for the person with `id`: `user #id` for
    /// someone the list does not hold.
    func name(_ id: Int64) -> String {
        names[id] ?? "user #\(id)"
    }

    /// `name` of the id a JSON value holds; nil when it holds none.
    func name(ofID value: Any?) -> String? {
        Presentation.id(value).map(name)
    }

    init(_ all: [Person], revision: Int?) {
        self.all = all
        self.names = Dictionary(all.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        self.revision = revision
    }
}

/// A person as the pages show them.
struct Person: Sendable, Equatable {
    let id: Int64
    let name: String
}
