import Hummingbird
import Identity
import ServiceKit

/// Who watches a bug: `GET /bugs/{id}/watchers`, and
/// `PUT`/`DELETE /bugs/{id}/watchers/{user_id}` by that user or an admin.
struct WatchersController<Repository: BugRepository>: Sendable {
    let repository: Repository
    let directory: UserDirectory

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .on("/bugs/:id/watchers", method: .get, access: .signedIn, use: list)
            .on("/bugs/:id/watchers/:user_id", method: .put, access: .signedIn, use: watch)
            .on("/bugs/:id/watchers/:user_id", method: .delete, access: .signedIn, use: unwatch)
    }

    /// `{"items": [<user id>, ...]}`, in ascending id.
    struct Watchers: ResponseEncodable {
        let items: [Int64]
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Watchers {
        Watchers(items: try await repository.existingWatchers(context).watchers)
    }

    @Sendable func watch(_ request: Request, context: ServiceRequestContext) async throws -> HTTPResponse.Status {
        let (bug, user) = try await target(context)
        // Someone else, added by an admin, must be someone the users service knows.
        if user != context.identity?.userID {
            _ = try await directory.existing(user, field: "user_id", context: context)
        }
        try await set(true, user: user, bug: bug.id)
        return .noContent
    }

    @Sendable func unwatch(_ request: Request, context: ServiceRequestContext) async throws -> HTTPResponse.Status {
        let (bug, user) = try await target(context)
        try await set(false, user: user, bug: bug.id)
        return .noContent
    }

    /// The bug and the user of the path: 404 for either unknown, 403 unless
    /// the caller is that user or an admin.
    private func target(_ context: ServiceRequestContext) async throws -> (Bug, Int64) {
        let bug = try await repository.existing(context)
        guard let user = PathID.parse("user_id", in: context) else {
            throw Problem.notFound("user_not_found", "no user with id \(context.parameters.get("user_id") ?? "")")
        }
        guard try context.caller().actsFor(user) else {
            throw Problem.forbidden("only that user or an admin can change whether they watch a bug")
        }
        return (bug, user)
    }

    private func set(_ watching: Bool, user: Int64, bug: Int64) async throws {
        do {
            try await repository.setWatching(watching, user: user, bug: bug)
        } catch BugRepositoryError.notFound(let id) {
            throw Problem.notFound("bug_not_found", "no bug with id \(id)")
        }
    }
}
