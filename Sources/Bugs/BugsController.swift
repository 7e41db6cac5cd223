import Hummingbird
import Identity
import Logging
import ServiceKit

/// The bugs API: `POST /bugs` (and the seed's `POST /create`),
/// `GET /bugs/{id}`, `GET /bugs` (with filters and full-text search),
/// `PATCH /bugs/{id}`, and a bug's history, `GET /bugs/{id}/events`.
struct BugsController<Repository: BugRepository>: Sendable {
    let repository: Repository
    let directory: UserDirectory
    let idempotency: IdempotencyGate

    /// Every route needs a signed-in caller (or a service); who may change
    /// a bug is the handler's to say (its reporter, its assignee, admins).
    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .on("/bugs", method: .post, access: .signedIn, use: create)
            .on("/create", method: .post, access: .signedIn, use: createFromSeedRoute)
            .on("/bugs/:id", method: .get, access: .signedIn, use: get)
            .on("/bugs", method: .get, access: .signedIn, use: list)
            .on("/bugs/:id", method: .patch, access: .signedIn, use: update)
            .on("/bugs/:id/events", method: .get, access: .signedIn, use: events)
    }

    // MARK: Requests

    struct CreateRequest: ClosedRequest {
        let title: String
        let description: String?
        let priority: BugPriority?
        let labels: [String]?
        let reporterID: Int64?
        let assigneeID: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case title, description, priority, labels
            case reporterID = "reporter_id"
            case assigneeID = "assignee_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decode(String.self, forKey: .title)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            priority = try container.decodeChoiceIfPresent(BugPriority.self, forKey: .priority)
            labels = try container.decodeIfPresent([String].self, forKey: .labels)
            reporterID = try container.decodeIntegerIfPresent(forKey: .reporterID)
            assigneeID = try container.decodeIntegerIfPresent(forKey: .assigneeID)
        }

        init(title: String, description: String?, priority: BugPriority?, labels: [String]?, reporterID: Int64?, assigneeID: Int64?) {
            self.title = title
            self.description = description
            self.priority = priority
            self.labels = labels
            self.reporterID = reporterID
            self.assigneeID = assigneeID
        }
    }

    /// The seed's shape: `{"bug": "<title>", ...}`.
    struct SeedCreateRequest: ClosedRequest {
        let request: CreateRequest

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bug, description, priority, labels
            case reporterID = "reporter_id"
            case assigneeID = "assignee_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            request = CreateRequest(
                title: try container.decode(String.self, forKey: .bug),
                description: try container.decodeIfPresent(String.self, forKey: .description),
                priority: try container.decodeChoiceIfPresent(BugPriority.self, forKey: .priority),
                labels: try container.decodeIfPresent([String].self, forKey: .labels),
                reporterID: try container.decodeIntegerIfPresent(forKey: .reporterID),
                assigneeID: try container.decodeIntegerIfPresent(forKey: .assigneeID)
            )
        }
    }

    struct PatchRequest: ClosedRequest {
        let changes: BugChanges

        enum CodingKeys: String, CodingKey, CaseIterable {
            case title, description, priority, status, labels
            case assigneeID = "assignee_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard !container.allKeys.isEmpty else {
                throw FieldError(
                    field: "the body", reason: "names no field to change (title, description, priority, status, labels, assignee_id)")
            }
            // Present and null clears description and assignee_id; the
            // others cannot be cleared, so null is refused (labels: []).
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
            let labels = container.contains(.labels) ? try container.decode([String].self, forKey: .labels) : nil
            changes = try BugChanges(
                title: title, description: description, priority: priority, status: status, labels: labels, assigneeID: assigneeID)
        }
    }

    // MARK: Handlers

    @Sendable func create(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await create(request, context: context) { try await $0.decode(as: CreateRequest.self, context: context) }
    }

    @Sendable func createFromSeedRoute(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await create(request, context: context) { try await $0.decode(as: SeedCreateRequest.self, context: context).request }
    }

    private func create(
        _ request: Request, context: ServiceRequestContext, decode: (Request) async throws -> CreateRequest
    ) async throws -> Response {
        let caller = try context.caller()
        return try await idempotency.run(
            request, context: context, caller: caller,
            answer: { (bug: Bug) in
                try StoredResponse.encoding(bug, status: .created, location: "/bugs/\(bug.id)", eTag: Self.eTag(bug))
            }
        ) { request, record in
            let body = try await decode(request)
            // The reporter is the caller; someone else only when an admin (or
            // a service) says so.
            if let reporterID = body.reporterID, reporterID != caller.userID, !caller.isAdmin {
                throw Problem.forbidden(
                    "reporter_id can only be your own id (\(caller.userID.map(String.init) ?? "none")); admins may file for others")
            }
            let newBug = try NewBug(
                title: body.title, description: body.description, priority: body.priority, labels: body.labels,
                reporterID: body.reporterID ?? caller.userID, assigneeID: body.assigneeID
            )
            // Both people are checked before anything is stored; the caller
            // is known from their token.
            let reporterToCheck = newBug.reporterID == caller.userID ? nil : newBug.reporterID
            async let reporter = directory.existing(reporterToCheck, field: "reporter_id", context: context)
            async let assignee = directory.existing(newBug.assigneeID, field: "assignee_id", context: context)
            let (_, foundAssignee) = try await (reporter, assignee)
            return try await repository.create(newBug, actor: caller.userID, idempotency: record) { bug in
                BugMails.created(bug, actor: caller.userID, assignee: foundAssignee)
            }
        }
    }

    @Sendable func get(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        let bug = try await repository.existing(context)
        return EditedResponse(headers: [.eTag: Self.eTag(bug)], response: bug)
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<Bug> {
        let query = try ListQuery(request, filters: ["status", "priority", "reporter_id", "assignee_id", "q"], repeatable: ["label"])
        let filter = BugFilter(
            status: try query.choice("status", as: BugStatus.self),
            priority: try query.choice("priority", as: BugPriority.self),
            reporterID: try query.id("reporter_id"),
            assigneeID: try query.id("assignee_id"),
            labels: try Set(query.values("label").map { try Self.labelParameter($0) }).sorted()
        )
        // `q=` with nothing in it is no search, as an empty `cursor=` is the first page.
        guard let text = query.parameters["q"], !text.isEmpty else {
            return ListResponse(try await repository.list(filter: filter, after: try query.afterID(), limit: query.limit))
        }
        let search = try SearchQuery(text)
        var offset = 0
        if let cursor = query.cursor {
            guard let decoded = SearchCursor.decode(cursor, query: search, filter: filter) else {
                throw Problem.invalidParameter("cursor", "is not a cursor this search gave out")
            }
            offset = decoded
        }
        guard !search.matchesNothing else { return ListResponse(items: [], nextCursor: nil) }
        let (bugs, more) = try await repository.search(search, filter: filter, offset: offset, limit: query.limit)
        return ListResponse(
            items: bugs, nextCursor: more ? SearchCursor.encode(offset: offset + bugs.count, query: search, filter: filter) : nil)
    }

    private static func labelParameter(_ text: String) throws -> String {
        do {
            return try BugFields.label(text, field: "label")
        } catch let error as FieldError {
            throw Problem.invalidParameter("label", error.reason)
        }
    }

    @Sendable func update(_ request: Request, context: ServiceRequestContext) async throws -> EditedResponse<Bug> {
        let expected = Self.ifMatchVersion(request)
        let changes = try await request.decode(as: PatchRequest.self, context: context).changes
        // Without If-Match, a change that raced another is worked out again
        // on the newer bug, a few times; with it, the race is the client's 412.
        let caller = try context.caller()
        for _ in 0..<3 {
            let current = try await repository.existing(context)
            guard caller.isAdmin || (caller.userID != nil && (caller.userID == current.reporterID || caller.userID == current.assigneeID))
            else {
                throw Problem.forbidden("only the bug's reporter, its assignee or an admin can change it")
            }
            if let expected, expected != current.version {
                throw Problem.versionMismatch(
                    expected == 0
                        ? "If-Match is not an ETag of bug \(current.id), which is at \"\(current.version)\""
                        : "bug \(current.id) is at version \(current.version), not \(expected)")
            }
            let preview: Bug
            do {
                preview = try current.applying(changes, at: .now()).bug
            } catch BugRepositoryError.invalidTransition(let from, let to) {
                throw Self.invalidTransition(from: from, to: to)
            }
            // A new assignee must exist; they and (on a status change) the
            // watchers are looked up before the write, to be mailed in it.
            if let assignee = preview.assigneeID, assignee != current.assigneeID {
                _ = try await directory.existing(assignee, field: "assignee_id", context: context)
            }
            let watchers = preview.status != current.status ? try await repository.watchers(of: current.id) ?? [] : []
            let people = try await directory.people(
                BugMails.peopleNeeded(before: current, after: preview, watchers: watchers), context: context)
            do {
                let bug = try await repository.update(
                    id: current.id, changes: changes, expectedVersion: current.version, actor: caller.userID
                ) { before, after, watchers in
                    BugMails.changed(before: before, after: after, actor: caller.userID, watchers: watchers, people: people)
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

    @Sendable func events(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<BugEvent> {
        let query = try ListQuery(request)
        let bug = try await repository.existing(context)
        return ListResponse(try await repository.events(of: bug.id, after: try query.afterID(), limit: query.limit))
    }

    // MARK: Helpers

    private static func invalidTransition(from: BugStatus, to: BugStatus) -> Problem {
        let allowed = from.allowedMoves.map(\.rawValue).sorted().joined(separator: ", ")
        return Problem.unprocessable(
            "invalid_transition",
            "status cannot move from \(from.rawValue) to \(to.rawValue); from \(from.rawValue) it can move to \(allowed)")
    }

    static func eTag(_ bug: Bug) -> String {
        "\"\(bug.version)\""
    }

    /// The version `If-Match` asks for: nil without the header or with `*`
    /// (any current bug matches); the version of `"<version>"` (a weak `W/`
    /// tag is read the same way); 0, which no bug has, for anything else, so
    /// that a tag that is not the current one, however written, is a 412
    /// and changes nothing (RFC 9110: the condition is false).
    static func ifMatchVersion(_ request: Request) -> Int? {
        guard var value = request.headers[.ifMatch]?.trimmingASCIISpaces, value != "*" else { return nil }
        if value.hasPrefix("W/") { value = String(value.dropFirst(2)) }
        guard value.count >= 3, value.hasPrefix("\""), value.hasSuffix("\""),
            let version = Int(value.dropFirst().dropLast()), version >= 1
        else { return 0 }
        return version
    }
}

extension BugRepository {
    /// The bug the route's `:id` names, or 404 `bug_not_found`.
    func existing(_ context: ServiceRequestContext) async throws -> Bug {
        guard let id = PathID.parse("id", in: context), let bug = try await get(id: id) else { throw Self.noBug(context) }
        return bug
    }

    /// The watchers of the bug the route's `:id` names, with its id, in
    /// one read; 404 `bug_not_found` when there is no such bug.
    func existingWatchers(_ context: ServiceRequestContext) async throws -> (bugID: Int64, watchers: [Int64]) {
        guard let id = PathID.parse("id", in: context), let watchers = try await watchers(of: id) else { throw Self.noBug(context) }
        return (id, watchers)
    }

    private static func noBug(_ context: ServiceRequestContext) -> Problem {
        Problem.notFound("bug_not_found", "no bug with id \(context.parameters.get("id") ?? "")")
    }
}

extension String {
    fileprivate var trimmingASCIISpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
