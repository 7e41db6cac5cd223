import Bugs
import ServiceKit
import Synchronization

/// A users service in memory: knows some users, or is down; records each call.
final class FakeUsersClient: UsersClient {
    private let users: [Int64: UserReference]
    private let isDown: Bool
    private let recorded = Mutex<[(id: Int64, identity: OutgoingRequestIdentity)]>([])

    init(users: [UserReference] = FakeUsersClient.team, isDown: Bool = false) {
        self.users = Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0) })
        self.isDown = isDown
    }

    static let ann = UserReference(id: 1, email: "ann@example.com", name: "Ann")
    static let bob = UserReference(id: 2, email: "bob@example.com", name: nil)
    static let carl = UserReference(id: 3, email: "carl@example.com", name: "Carl")
    static let team = [ann, bob, carl]

    var calls: [(id: Int64, identity: OutgoingRequestIdentity)] { recorded.withLock { $0 } }

    func user(id: Int64, identity: OutgoingRequestIdentity) async throws -> UserReference? {
        recorded.withLock { $0.append((id, identity)) }
        if isDown { throw UsersUnavailable(retryAfterSeconds: 3, reason: "down for the test") }
        return users[id]
    }
}
