import Foundation
import Hummingbird
import NIOHTTP1
import ServiceKit

/// The bug list with its filters and search, a bug's page with its
/// discussion and the forms that change it, and filing a bug.
struct BugPages: Sendable {
    let pages: PageContext
    /// List rows, bugs' headers, comments and history entries, rendered once and shared.
    let fragments = Fragments()
    /// Bugs' comments and history, by the bug's state.
    let discussions = DiscussionCache()
    let options: SelectOptions

    init(pages: PageContext) {
        self.pages = pages
        self.options = SelectOptions(renderer: pages.renderer)
    }

    /// Bugs per page of the list.
    static let pageSize = 25

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .get("/", use: list)
            // The API's address for the list, typed into the browser: the list page.
            .get("/bugs") { request, _ in Response.redirect(to: "/" + (request.uri.query.map { "?" + $0 } ?? ""), type: .normal) }
            .get("/bugs/new", use: newBugForm)
            .post("/bugs/new", use: fileBug)
            .get("/bugs/{id}", use: show)
            .post("/bugs/{id}/comments", use: comment)
            .post("/bugs/{id}/edit", use: edit)
            .post("/bugs/{id}/watch", use: watch)
            .post("/bugs/{id}/unwatch", use: unwatch)
    }

    // MARK: The list

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request, notice: nil) }
        let parameters = request.uri.queryParameters
        let filter = ["status", "priority", "assignee_id", "label", "q"].map { (name: String) -> (String, String) in
            (name, parameters.get(name) ?? "")
        }
        let cursor = parameters.get("cursor") ?? ""
        async let everyone = pages.people.everyone(token: signedIn.token, identity: context.outgoing)
        let response = try await pages.api.call(
            .GET, .bugs, "/bugs" + APIClient.query(filter + [("limit", String(Self.pageSize)), ("cursor", cursor)]),
            token: signedIn.token, identity: context.outgoing)
        let directory = try await everyone
        if response.status == 401 { return pages.toSignIn(from: request) }
        var values = pages.base("Bug list", session: session, signedIn: signedIn)
        let chosen = Dictionary(uniqueKeysWithValues: filter)
        values["filter"] = chosen
        values["statusOptions"] = options.words(Presentation.statuses, selected: chosen["status"])
        values["priorityOptions"] = options.words(Presentation.priorities, selected: chosen["priority"])
        values["assigneeOptions"] = options.people(directory, selected: chosen["assignee_id"].flatMap { Int64($0) }, nobody: false)
        values["filtered"] = filter.contains { !$0.1.isEmpty }
        guard response.isSuccess else {
            values["error"] = FormErrors.sentence(response.problem!.detail)
            return pages.renderer.page("bug_list", values, status: HTTPResponse.Status(code: response.status))
        }
        let object = response.object
        let rows = (object["items"] as? [[String: Any]] ?? []).map { row($0, people: directory) }
        // One string, not a section over 25: each turn of a section costs
        // swift-mustache a context and look-ups.
        values["rows"] = rows.joined()
        values["hasBugs"] = !rows.isEmpty
        if let next = object["next_cursor"] as? String {
            values["next"] = "/" + APIClient.query(filter + [("cursor", next)])
        }
        if !cursor.isEmpty { values["first"] = "/" + APIClient.query(filter) }
        return pages.renderer.page("bug_list", values)
    }

    /// A bug as a row of the list, as HTML (kept per version and shown time: `Fragments`).
    private func row(_ bug: [String: Any], people: People) -> String {
        let assignee = people.name(ofID: bug["assignee_id"])
        // The time in words is all the key needs; the rest of it is made
        // only when the row is.
        let now = Date()
        let commentCount = Presentation.id(bug["comment_count"]) ?? 0
        let key = [
            "row", String(Presentation.id(bug["id"]) ?? 0), String(Presentation.id(bug["version"]) ?? 0), String(commentCount),
            assignee ?? "", bug["updated_at"] as? String ?? "", Presentation.relativeTime(bug["updated_at"], now: now),
        ]
        return fragments.html(key) {
            var row = bug
            row["statusWord"] = Presentation.word(bug["status"] as? String ?? "")
            row["priorityWord"] = Presentation.word(bug["priority"] as? String ?? "")
            if let assignee { row["assignee"] = assignee }
            row["updated"] = Presentation.time(bug["updated_at"], now: now)
            row["hasComments"] = commentCount > 0
            row["comments"] = commentCount == 1 ? "1 comment" : "\(commentCount) comments"
            return pages.renderer.fragment("bug_row", row)
        }
    }

    // MARK: Filing a bug

    @Sendable func newBugForm(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request) }
        return try await newBugPage(session: session, signedIn: signedIn, context: context, typed: nil, errors: [:], status: .ok)
    }

    private func newBugPage(
        session: WebSession, signedIn: SignedIn, context: ServiceRequestContext, typed: FormData?, errors: [String: Any],
        status: HTTPResponse.Status
    ) async throws -> Response {
        let directory = try await pages.people.everyone(token: signedIn.token, identity: context.outgoing)
        var values = pages.base("File a bug", session: session, signedIn: signedIn)
        values["values"] = [
            "title": typed?.text("title") ?? "", "description": typed?.text("description") ?? "", "labels": typed?.text("labels") ?? "",
        ]
        values["priorityOptions"] = options.words(Presentation.priorities, selected: typed?["priority"] ?? "normal")
        values["assigneeOptions"] = options.people(directory, selected: typed?["assignee_id"].flatMap { Int64($0) }, nobody: true)
        values["idempotencyKey"] = typed?["idempotency_key"] ?? WebSession.randomValue()
        values["errors"] = errors
        return pages.renderer.page("new_bug", values, status: status)
    }

    @Sendable func fileBug(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        let form = try await FormData.read(request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request) }
        guard session.accepts(form["csrf_token"]) else { return pages.csrfRefused(session: session, signedIn: signedIn) }
        var body: [String: Any] = [
            "title": form.text("title"), "priority": form["priority"] ?? "normal", "labels": Presentation.labels(form.text("labels")),
        ]
        if !form.text("description").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            body["description"] = form.text("description")
        }
        if let assignee = form["assignee_id"], !assignee.isEmpty { body["assignee_id"] = Int64(assignee) ?? assignee }
        // The form's key makes a second press of the button (or a resend
        // after a timeout) file one bug, not two.
        let key = form["idempotency_key"].flatMap { $0.isEmpty ? nil : $0 }
        let response = try await pages.api.call(
            .POST, .bugs, "/bugs", token: signedIn.token, json: body, headers: key.map { [("Idempotency-Key", $0)] } ?? [],
            identity: context.outgoing)
        if response.status == 401 { return pages.toSignIn(from: request) }
        if response.isSuccess, let id = Presentation.id(response.object["id"]) {
            return Response.redirect(to: "/bugs/\(id)", type: .normal)
        }
        let problem = response.problem!
        let errors = FormErrors.values(for: problem, fields: ["title", "description", "priority", "labels", "assignee_id"])
        return try await newBugPage(
            session: session, signedIn: signedIn, context: context, typed: form, errors: errors,
            status: HTTPResponse.Status(code: problem.status))
    }

    // MARK: A bug

    /// What a bug's page shows besides the bug: a notice, errors, and what
    /// was typed into its forms.
    struct Extras {
        var notice: String?
        var errors: [String: Any] = [:]
        var edit: FormData?
        var comment: String?
        var status: HTTPResponse.Status = .ok
    }

    @Sendable func show(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let session = WebSession(request: request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request) }
        return try await bugPage(request, context: context, session: session, signedIn: signedIn, extras: Extras())
    }

    private func bugPage(
        _ request: Request, context: ServiceRequestContext, session: WebSession, signedIn: SignedIn, extras: Extras
    ) async throws -> Response {
        guard let id = PathID.parse("id", in: context) else {
            return pages.message("No such bug", "There is no bug at this address.", status: .notFound, session: session, signedIn: signedIn)
        }
        let (api, token, identity) = (pages.api, signedIn.token, context.outgoing)
        async let bugCall = api.call(.GET, .bugs, "/bugs/\(id)", token: token, identity: identity)
        async let watchersCall = api.call(.GET, .bugs, "/bugs/\(id)/watchers", token: token, identity: identity)
        async let everyone = pages.people.everyone(token: token, identity: identity)
        let (bugResponse, watchersResponse, directory) = try await (bugCall, watchersCall, everyone)
        if bugResponse.status == 401 { return pages.toSignIn(from: request) }
        guard bugResponse.isSuccess else {
            return pages.message(
                "No such bug", "There is no bug #\(id).", status: .notFound, session: session, signedIn: signedIn)
        }
        let bug = bugResponse.object
        // The comments and history, asked for after the bug (so never older
        // than it) unless kept for the bug's state.
        let fetchLists = { @Sendable () async throws -> DiscussionCache.Lists in
            async let comments = api.call(.GET, .bugs, "/bugs/\(id)/comments?limit=100", token: token, identity: identity)
            async let events = api.call(.GET, .bugs, "/bugs/\(id)/events?limit=100", token: token, identity: identity)
            return DiscussionCache.Lists(comments: try await comments, events: try await events)
        }
        let lists = try await discussions.lists(for: .of(bug), fetch: fetchLists)
        let (commentsResponse, eventsResponse) = (lists.comments, lists.events)
        let name = directory.name(ofID:)

        var values = pages.base("#\(id) \(bug["title"] as? String ?? "")", session: session, signedIn: signedIn)
        let status = bug["status"] as? String ?? "open"
        let (reporter, assigneeName) = (name(bug["reporter_id"]), name(bug["assignee_id"]))
        // One moment for every time the page shows.
        let now = Date()
        // The bug itself, like a list row, depends only on its version, the
        // names in it and its shown times: rendered once and shared.
        let headerKey = [
            "bug", String(id), String(Presentation.id(bug["version"]) ?? 0), reporter ?? "", assigneeName ?? "",
            bug["updated_at"] as? String ?? "", Presentation.relativeTime(bug["created_at"], now: now),
            Presentation.relativeTime(bug["updated_at"], now: now),
        ]
        values["bugHeader"] = fragments.html(headerKey) {
            var shown = bug
            shown["statusWord"] = Presentation.word(status)
            shown["priorityWord"] = Presentation.word(bug["priority"] as? String ?? "normal")
            shown["reporter"] = reporter
            shown["assignee"] = assigneeName
            shown["created"] = Presentation.time(bug["created_at"], now: now)
            shown["updated"] = Presentation.time(bug["updated_at"], now: now)
            return pages.renderer.fragment("bug_header", shown)
        }
        values["id"] = id

        // Comments and events never change: each is rendered once per
        // name and shown time, and shared.
        let comments = commentsResponse.items.map { comment -> String in
            let author = name(comment["author_id"]) ?? "someone"
            let key = [
                "comment", String(Presentation.id(comment["id"]) ?? 0), author, Presentation.relativeTime(comment["created_at"], now: now),
            ]
            return fragments.html(key) {
                var row = comment
                row["author"] = author
                row["created"] = Presentation.time(comment["created_at"], now: now)
                return pages.renderer.fragment("comment", row)
            }
        }
        values["comments"] = comments.joined()
        values["hasComments"] = !comments.isEmpty
        values["events"] = eventsResponse.items.map { item -> String in
            // An event never changes: besides its id, its entry depends only
            // on the names in it and its shown time, so the sentence is
            // made only when the entry is.
            var key = [
                "event", String(Presentation.id(item["id"]) ?? 0), name(item["actor_id"]) ?? "",
                Presentation.relativeTime(item["created_at"], now: now),
            ]
            let changes = item["changes"] as? [String: Any] ?? [:]
            for field in Self.fieldsNamingPeople {
                for id in changes[field] as? [Any] ?? [] { key.append(name(id) ?? "") }
            }
            return fragments.html(key) { pages.renderer.fragment("event", event(item, name: name, now: now)) }
        }.joined()
        let watcherIDs = (watchersResponse.object["items"] as? [Any] ?? []).compactMap { Presentation.id($0) }
        values["watchers"] = watcherIDs.map { ["name": directory.name($0)] }
        values["watching"] = watcherIDs.contains(signedIn.user.id)

        // The edit form: what was typed, else the bug as it is.
        let edit = extras.edit
        let labels = (bug["labels"] as? [String] ?? []).joined(separator: ", ")
        values["values"] = [
            "title": edit?.text("title") ?? bug["title"] as? String ?? "",
            "description": edit?.text("description") ?? bug["description"] as? String ?? "",
            "labels": edit?.text("labels") ?? labels,
            "comment": extras.comment ?? "",
        ]
        values["version"] = Presentation.id(bug["version"]) ?? 1
        // The bugs API's rule for PATCH, so nobody fills a form it will refuse.
        let me = signedIn.user.id
        values["canEdit"] =
            signedIn.user.role == .admin || Presentation.id(bug["reporter_id"]) == me || Presentation.id(bug["assignee_id"]) == me
        values["statusOptions"] = options.words([status] + (Presentation.moves[status] ?? []), selected: edit?["status"] ?? status)
        values["priorityOptions"] = options.words(Presentation.priorities, selected: edit?["priority"] ?? bug["priority"] as? String)
        let assignee = edit.map { Int64($0.text("assignee_id")) } ?? Presentation.id(bug["assignee_id"])
        values["assigneeOptions"] = options.people(directory, selected: assignee, nobody: true)
        values["idempotencyKey"] = WebSession.randomValue()
        values["errors"] = extras.errors
        if let notice = extras.notice { values["notice"] = notice }
        return pages.renderer.page("bug", values, status: extras.status)
    }

    /// The fields of an event's changes whose values are people, shown by name.
    static let fieldsNamingPeople = ["assignee_id", "reporter_id"]

    /// An event of the history as a sentence's parts.
    private func event(_ event: [String: Any], name: (Any?) -> String?, now: Date) -> [String: Any] {
        var row: [String: Any] = [
            "actor": name(event["actor_id"]) ?? "someone", "created": Presentation.time(event["created_at"], now: now),
        ]
        switch event["kind"] as? String {
        case "created": row["what"] = "filed the bug"
        case "commented": row["what"] = "commented"
        default:
            row["what"] = "changed"
            let changes = event["changes"] as? [String: Any] ?? [:]
            row["hasChanges"] = !changes.isEmpty
            row["changes"] = changes.keys.sorted().map { field -> [String: Any] in
                let pair = changes[field] as? [Any] ?? []
                func shown(_ value: Any?) -> String {
                    if Self.fieldsNamingPeople.contains(field) { return name(value) ?? "nobody" }
                    switch field {
                    case "status", "priority": return (value as? String).map(Presentation.word) ?? "none"
                    case "labels": return (value as? [String])?.joined(separator: ", ").nilIfEmpty ?? "none"
                    case "description": return "(text)"
                    default: return (value as? String) ?? (value.map { "\($0)" } ?? "none")
                    }
                }
                let label = field == "assignee_id" ? "assignee" : field
                return [
                    "field": label, "from": shown(pair.first.flatMap { $0 is NSNull ? nil : $0 }),
                    "to": shown(pair.last.flatMap { $0 is NSNull ? nil : $0 }),
                ]
            }
        }
        return row
    }

    // MARK: Changing a bug

    @Sendable func comment(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await change(request, context: context) { form, id, signedIn in
            let key = form["idempotency_key"].flatMap { $0.isEmpty ? nil : $0 }
            let response = try await pages.api.call(
                .POST, .bugs, "/bugs/\(id)/comments", token: signedIn.token, json: ["body": form.text("body")],
                headers: key.map { [("Idempotency-Key", $0)] } ?? [], identity: context.outgoing)
            var extras = Extras()
            if let problem = response.problem {
                extras.errors = FormErrors.values(for: problem, fields: ["body"])
                extras.comment = form.text("body")
            }
            return (response, extras, "#comments")
        }
    }

    @Sendable func edit(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await change(request, context: context) { form, id, signedIn in
            var body: [String: Any] = [
                "title": form.text("title"), "labels": Presentation.labels(form.text("labels")),
            ]
            let description = form.text("description")
            body["description"] = description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? NSNull() : description
            if let status = form["status"] { body["status"] = status }
            if let priority = form["priority"] { body["priority"] = priority }
            if let assignee = form["assignee_id"] {
                body["assignee_id"] = assignee.isEmpty ? NSNull() : (Int64(assignee) ?? assignee) as Any
            }
            let response = try await pages.api.call(
                .PATCH, .bugs, "/bugs/\(id)", token: signedIn.token, json: body, headers: [("If-Match", "\"\(form.text("version"))\"")],
                identity: context.outgoing)
            var extras = Extras()
            if response.status == 412 {
                extras.notice =
                    "This bug was changed by someone else while you were editing it. Here it is as it is now; make your change again."
            } else if let problem = response.problem {
                extras.errors =
                    problem.code == "forbidden"
                    ? ["edit": "Only the reporter, the assignee or an admin can change this bug."]
                    : FormErrors.values(for: problem, fields: ["title", "description", "status", "priority", "labels", "assignee_id"])
                extras.edit = form
            }
            return (response, extras, "")
        }
    }

    @Sendable func watch(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await change(request, context: context) { _, id, signedIn in
            let response = try await pages.api.call(
                .PUT, .bugs, "/bugs/\(id)/watchers/\(signedIn.user.id)", token: signedIn.token, identity: context.outgoing)
            return (response, Extras(), "#watchers")
        }
    }

    @Sendable func unwatch(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try await change(request, context: context) { _, id, signedIn in
            let response = try await pages.api.call(
                .DELETE, .bugs, "/bugs/\(id)/watchers/\(signedIn.user.id)", token: signedIn.token, identity: context.outgoing)
            return (response, Extras(), "#watchers")
        }
    }

    /// A form that changes bug `{id}`: checks the session and the CSRF
    /// token, sends the change, then back to the bug's page (at `anchor`),
    /// or the page again with the API's errors beside the fields.
    private func change(
        _ request: Request, context: ServiceRequestContext,
        send: (FormData, Int64, SignedIn) async throws -> (APIResponse, Extras, String)
    ) async throws -> Response {
        let session = WebSession(request: request)
        let form = try await FormData.read(request)
        guard let signedIn = try await pages.signedIn(session) else { return pages.toSignIn(from: request) }
        guard session.accepts(form["csrf_token"]) else { return pages.csrfRefused(session: session, signedIn: signedIn) }
        guard let id = PathID.parse("id", in: context) else {
            return pages.message("No such bug", "There is no bug at this address.", status: .notFound, session: session, signedIn: signedIn)
        }
        var (response, extras, anchor) = try await send(form, id, signedIn)
        if response.status == 401 { return pages.toSignIn(from: request) }
        if response.isSuccess { return Response.redirect(to: "/bugs/\(id)\(anchor)", type: .normal) }
        if response.status == 404 {
            return pages.message("No such bug", "There is no bug #\(id).", status: .notFound, session: session, signedIn: signedIn)
        }
        if extras.errors.isEmpty && extras.notice == nil { extras.errors = ["form": FormErrors.sentence(response.problem!.detail)] }
        extras.status = response.status == 412 ? .conflict : HTTPResponse.Status(code: response.status)
        return try await bugPage(request, context: context, session: session, signedIn: signedIn, extras: extras)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
