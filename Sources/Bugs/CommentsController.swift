import Hummingbird
import Identity
import ServiceKit

/// A bug's discussion: `POST /bugs/{id}/comments` (with `Idempotency-Key`),
/// `GET /bugs/{id}/comments` oldest first, and one comment,
/// `GET /bugs/{id}/comments/{comment_id}`, where the `Location` of a new
/// one points.
struct CommentsController<Repository: BugRepository>: Sendable {
    let repository: Repository
    let directory: UserDirectory
    let idempotency: IdempotencyGate

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .on("/bugs/:id/comments", method: .post, access: .signedIn, use: create)
            .on("/bugs/:id/comments", method: .get, access: .signedIn, use: list)
            .on("/bugs/:id/comments/:comment_id", method: .get, access: .signedIn, use: get)
    }

    struct CreateRequest: ClosedRequest {
        let body: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case body
        }
    }

    @Sendable func create(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let caller = try context.caller()
        // The watchers (and the author, who joins them) are looked up
        // before the write, to be mailed in it; the same read finds the bug.
        let (bugID, watchers) = try await repository.existingWatchers(context)
        return try await idempotency.run(
            request, context: context, caller: caller,
            answer: { (comment: Comment) in
                try StoredResponse.encoding(
                    comment, status: .created, location: "/bugs/\(comment.bugID)/comments/\(comment.id)", eTag: nil)
            }
        ) { request, record in
            let body = try CommentBody(try await request.decode(as: CreateRequest.self, context: context).body)
            let people = try await directory.people(watchers + [caller.userID].compactMap { $0 }, context: context)
            do {
                return try await repository.addComment(body, to: bugID, author: caller.userID, idempotency: record) {
                    bug, comment, watchers in
                    BugMails.commented(bug, comment: comment, actor: caller.userID, watchers: watchers, people: people)
                }
            } catch BugRepositoryError.notFound(let id) {
                throw Problem.notFound("bug_not_found", "no bug with id \(id)")
            }
        }
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<Comment> {
        let query = try ListQuery(request)
        let bug = try await repository.existing(context)
        return ListResponse(try await repository.comments(of: bug.id, after: try query.afterID(), limit: query.limit))
    }

    @Sendable func get(_ request: Request, context: ServiceRequestContext) async throws -> Comment {
        let bug = try await repository.existing(context)
        guard let id = PathID.parse("comment_id", in: context), let comment = try await repository.comment(id: id, of: bug.id) else {
            throw Problem.notFound(
                "comment_not_found", "bug \(bug.id) has no comment with id \(context.parameters.get("comment_id") ?? "")")
        }
        return comment
    }
}
