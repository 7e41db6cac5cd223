import Hummingbird
import Identity
import Logging
import ServiceKit

/// The bugs API: `POST /bugs` (and the seed's `POST /create`),
/// `GET /bugs/{id}`, `GET /bugs`, `PATCH /bugs/{id}`.
struct BugsController<Repository: BugRepository>: Sendable {
    let repository: Repository
    let users: any UsersClient

    /// Every route needs a signed-in caller (or a service); who may change
    /// a bug is the handler's to say (its reporter, its assignee, admins).
    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .post("/bugs", access: .signedIn, use: create)
            .post("/create", access: .signedIn, use: createFromSeedRoute)
            .get("/bugs/:id", access: .signedIn, use: get)
            .get("/bugs", access: .signedIn, use: list)
            .patch("/bugs/:id", access: .signedIn, use: update)
    }

    // MARK: Requests

    struct CreateRequest: Decodable {
        let title: String
        let description: String?
        let priority: BugPriority?
        let reporterID: Int64?
        let assigneeID: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case title, description, priority
            case reporterID = "reporter_id"
            case assigneeID = "assignee_id"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decode(String.self, forKey: .title)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            priority = try container.decodeChoiceIfPresent(BugPriority.self, forKey: .priority)
            reporterID = try container.decodeIntegerIfPresent(forKey: .reporterID)
            assigneeID = try container.decodeIntegerIfPresent(forKey: .assigneeID)
        }

        init(title: String, description: String?, priority: BugPriority?, reporterID: Int64?, assigneeID: Int64?) {
            self.title = title
            self.description = description
            self.priority = priority
            self.reporterID = reporterID
            self.assigneeID = assigneeID
        }
    }

    /// The seed's shape: `{"bug": "<title>", ...}`.
    struct SeedCreateRequest: Decodable {
        let request: CreateRequest

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bug, description, priority
            case reporterID = "reporter_id"
            case assigneeID = "assignee_id"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            request = CreateRequest(
                title: try container.decode(String.self, forKey: .bug),
                description: try container.decodeIfPresent(String.self, forKey: .description),
                priority: try container.decodeChoiceIfPresent(BugPriority.self, forKey: .priority),
                reporterID: try container.decodeIntegerIfPresent(forKey: .reporterID),
                assigneeID: try container.decodeIntegerIfPresent(forKey: .assigneeID)
            )
        }
    }

    struct PatchRequest: Decodable {
        let changes: BugChanges

        enum CodingKeys: String, CodingKey, CaseIterable {
            case title, description, priority, status
            case assigneeID = "assignee_id"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard !container.allKeys.isEmpty else {
                throw FieldError(field: "the body", reason: "names no field to change (title, description, priority, status, assignee_id)")
            }
            // Present and null clears description and assignee_id; the
            // others cannot be cleared, so null is refused.
            let title = container.contains(.title) ? try container.decode(String.self, forKey: .title) : nil
            let description: String?? =
                container.contains(.description)
                ? (try container.decodeNil(forKey: .description)
                    ? .some(nil) : .some(try container.decode(String.self, forKey: .description)))
                : nil
            let assigneeID: Int64?? =
                container.contains(.assigneeID)
                ? (try container.decodeNil(forKey: .assigneeID) ? .some(nil) : .some(try container.decodeInteger(forKey: .assigneeID)))
                : nil
            let priority = container.contains(.priority) ? try container.decodeChoice(BugPriority.self, forKey: .priority) : nil
            let status = container.contains(.status) ? try container.decodeChoice(BugStatus.self, forKey: .status) : nil
            changes = try BugChanges(title: title, description: description, priority: priority, status: status, assigneeID: assigneeID)
        }
    }

    // MARK: Handlers

    @Sendable func create(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        try await create(try await request.decode(as: CreateRequest.self, context: context), context: context)
    }

    @Sendable func createFromSeedRoute(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        try await create(try await request.decode(as: SeedCreateRequest.self, context: context).request, context: context)
    }

    private func create(_ body: CreateRequest, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        let caller = try context.caller()
        // The reporter is the caller; someone else only when an admin (or a
        // service) says so.
        if let reporterID = body.reporterID, reporterID != caller.userID, !caller.isAdmin {
            throw Problem.forbidden(
                "reporter_id can only be your own id (\(caller.userID.map(String.init) ?? "none")); admins may file for others")
        }
        let newBug = try NewBug(
            title: body.title, description: body.description, priority: body.priority,
            reporterID: body.reporterID ?? caller.userID, assigneeID: body.assigneeID
        )
        // Both users are checked before anything is stored.
        async let reporter = existingUser(newBug.reporterID, field: "reporter_id", context: context)
        async let assignee = existingUser(newBug.assigneeID, field: "assignee_id", context: context)
        let (foundReporter, foundAssignee) = try await (reporter, assignee)
        let bug = try await repository.create(newBug) { bug in
            BugMails.created(bug, reporter: foundReporter, assignee: foundAssignee)
        }
        return EditedResponse(status: .created, headers: [.location: "/bugs/\(bug.id)", .eTag: Self.eTag(bug)], response: bug)
    }

    @Sendable func get(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        let bug = try await existingBug(context)
        return EditedResponse(headers: [.eTag: Self.eTag(bug)], response: bug)
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<Bug> {
        let query = try ListQuery(request, filters: ["status", "priority", "reporter_id", "assignee_id"])
        let filter = BugFilter(
            status: try query.choice("status", as: BugStatus.self),
            priority: try query.choice("priority", as: BugPriority.self),
            reporterID: try query.id("reporter_id"),
            assigneeID: try query.id("assignee_id")
        )
        return ListResponse(try await repository.list(filter: filter, after: query.afterID, limit: query.limit))
    }

    @Sendable func update(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        let expected = try Self.ifMatchVersion(request)
        let changes = try await request.decode(as: PatchRequest.self, context: context).changes
        // Without If-Match, a change that raced another is worked out again
        // on the newer bug, a few times; with it, the race is the client's 412.
        let caller = try context.caller()
        for _ in 0..<3 {
            let current = try await existingBug(context)
            guard caller.isAdmin || (caller.userID != nil && (caller.userID == current.reporterID || caller.userID == current.assigneeID))
            else {
                throw Problem.forbidden("only the bug's reporter, its assignee or an admin can change it")
            }
            if let expected, expected != current.version {
                throw Problem.versionMismatch("bug \(current.id) is at version \(current.version), not \(expected)")
            }
            let preview: Bug
            do {
                preview = try current.applying(changes, at: .now())
            } catch BugRepositoryError.invalidTransition(let from, let to) {
                throw Self.invalidTransition(from: from, to: to)
            }
            let needed = BugMails.recipientsNeeded(before: current, after: preview)
            async let reporter = existingUser(needed.reporter, field: "reporter_id", context: context)
            async let assignee = existingUser(needed.assignee, field: "assignee_id", context: context)
            let (foundReporter, foundAssignee) = try await (reporter, assignee)
            do {
                let bug = try await repository.update(id: current.id, changes: changes, expectedVersion: current.version) { before, after in
                    BugMails.changed(before: before, after: after, reporter: foundReporter, assignee: foundAssignee)
                }
                return EditedResponse(headers: [.eTag: Self.eTag(bug)], response: bug)
            } catch BugRepositoryError.versionMismatch(let now) where expected != nil {
                throw Problem.versionMismatch("bug \(current.id) is at version \(now), not \(expected!)")
            } catch BugRepositoryError.versionMismatch {
                continue
            } catch BugRepositoryError.invalidTransition(let from, let to) {
                throw Self.invalidTransition(from: from, to: to)
            } catch BugRepositoryError.notFound {
                throw Problem.notFound("bug_not_found", "no bug with id \(current.id)")
            }
        }
        throw Problem.conflict("edit_conflict", "the bug kept changing while this change was applied; try again")
    }

    // MARK: Helpers

    private func existingBug(_ context: ServiceRequestContext) async throws -> Bug {
        guard let id = PathID.parse("id", in: context), let bug = try await repository.get(id: id) else {
            throw Problem.notFound("bug_not_found", "no bug with id \(context.parameters.get("id") ?? "")")
        }
        return bug
    }

    /// The user `id`, checked with the users service: 422 `unknown_user`
    /// when it does not know them, 503 `users_unavailable` when it cannot say.
    private func existingUser(_ id: Int64?, field: String, context: ServiceRequestContext) async throws -> UserReference? {
        guard let id else { return nil }
        do {
            guard let user = try await users.user(id: id, identity: context.outgoing) else {
                throw Problem.unprocessable("unknown_user", "\(field) \(id) is not a user the users service knows")
            }
            return user
        } catch let unavailable as UsersUnavailable {
            context.logger.warning("users service unavailable", metadata: ["reason": "\(unavailable.reason)"])
            throw Problem.unavailable(
                "users_unavailable", "the users service cannot be reached to check \(field); nothing was stored",
                retryAfterSeconds: unavailable.retryAfterSeconds
            )
        }
    }

    private static func invalidTransition(from: BugStatus, to: BugStatus) -> Problem {
        let allowed = from.allowedMoves.map(\.rawValue).sorted().joined(separator: ", ")
        return Problem.unprocessable(
            "invalid_transition",
            "status cannot move from \(from.rawValue) to \(to.rawValue); from \(from.rawValue) it can move to \(allowed)")
    }

    static func eTag(_ bug: Bug) -> String {
        "\"\(bug.version)\""
    }

    /// The version in `If-Match: "<version>"` (a weak `W/` tag is read the
    /// same way), or nil without the header.
    static func ifMatchVersion(_ request: Request) throws -> Int? {
        guard var value = request.headers[.ifMatch]?.trimmingASCIISpaces else { return nil }
        if value.hasPrefix("W/") { value = String(value.dropFirst(2)) }
        guard value.count >= 3, value.hasPrefix("\""), value.hasSuffix("\""),
            let version = Int(value.dropFirst().dropLast()), version >= 1
        else {
            throw Problem.invalidParameter("If-Match", "must be the ETag of a bug, such as \"3\"")
        }
        return version
    }
}

extension String {
    fileprivate var trimmingASCIISpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
