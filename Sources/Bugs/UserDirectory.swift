import Hummingbird
import Logging
import ServiceKit

/// The users service as the bugs handlers need it: a person who must exist
/// (422 `unknown_user` when not), or the people a mail goes to; 503
/// `users_unavailable` when it cannot answer, before anything is stored.
struct UserDirectory: Sendable {
    let users: any UsersClient

    /// The user `id`, checked: 422 `unknown_user` when the users service
    /// does not know them, 503 `users_unavailable` when it cannot say.
    func existing(_ id: Int64?, field: String, context: ServiceRequestContext) async throws -> UserReference? {
        guard let id else { return nil }
        guard let user = try await lookUp(id, field: field, context: context) else {
            throw Problem.unprocessable("unknown_user", "\(field) \(id) is not a user the users service knows")
        }
        return user
    }

    /// The people `ids` to write to, by id; anyone the users service does
    /// not know (any more) is left out. 503 when it cannot answer.
    func people(_ ids: some Sequence<Int64>, context: ServiceRequestContext) async throws -> [Int64: UserReference] {
        var found: [Int64: UserReference] = [:]
        var unknown: [Int64] = []
        for id in Set(ids) {
            if let user = users.knownUser(id: id) { found[id] = user } else { unknown.append(id) }
        }
        // Only those not known yet are asked for, at once; a task each
        // costs more than the rest of this when all are known, as they
        // usually are.
        guard !unknown.isEmpty else { return found }
        return try await withThrowingTaskGroup(of: UserReference?.self) { group in
            for id in unknown { group.addTask { try await lookUp(id, field: "a watcher", context: context) } }
            for try await user in group { if let user { found[user.id] = user } }
            return found
        }
    }

    private func lookUp(_ id: Int64, field: String, context: ServiceRequestContext) async throws -> UserReference? {
        do {
            return try await users.user(id: id, identity: context.outgoing)
        } catch let unavailable as UsersUnavailable {
            context.logger.warning("users service unavailable", metadata: ["reason": "\(unavailable.reason)"])
            throw Problem.unavailable(
                "users_unavailable", "the users service cannot be reached to check \(field); nothing was stored",
                retryAfterSeconds: unavailable.retryAfterSeconds
            )
        }
    }
}
