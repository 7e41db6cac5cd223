import Hummingbird
import ServiceKit

/// The users API: `POST /users` (and the seed's `POST /create`),
/// `GET /users/{id}`, `GET /users`.
struct UsersController<Repository: UserRepository>: Sendable {
    let repository: Repository

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .post("/users", use: create)
            .post("/create", use: create)
            .get("/users/:id", use: get)
            .get("/users", use: list)
    }

    struct CreateRequest: Decodable {
        let email: String
        let name: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case email, name
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            email = try container.decode(String.self, forKey: .email)
            name = try container.decodeIfPresent(String.self, forKey: .name)
        }
    }

    @Sendable func create(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<User> {
        let body = try await request.decode(as: CreateRequest.self, context: context)
        let newUser = try NewUser(email: body.email, name: body.name)
        do {
            let user = try await repository.create(newUser) { [WelcomeMail.draft(for: $0)] }
            return EditedResponse(status: .created, headers: [.location: "/users/\(user.id)"], response: user)
        } catch UserRepositoryError.emailTaken(let email) {
            throw Problem.conflict("email_taken", "a user with e-mail \(email) already exists")
        }
    }

    @Sendable func get(_ request: Request, context: ServiceRequestContext) async throws -> User {
        guard let id = PathID.parse("id", in: context), let user = try await repository.get(id: id) else {
            throw Problem.notFound("user_not_found", "no user with id \(context.parameters.get("id") ?? "")")
        }
        return user
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<User> {
        let query = try ListQuery(request, filters: ["email"])
        if let email = query.parameters["email"] {
            let found = try await repository.find(email: email)
            return ListResponse(items: found.map { [$0] } ?? [], nextCursor: nil)
        }
        return ListResponse(try await repository.list(after: query.afterID, limit: query.limit))
    }
}
