import Outbox
import ServiceKit

/// The e-mails bug changes queue, and who gets them: the one place their
/// words live, and the contract's rules.
///
/// On create, the assignee; on a new assignee, the new assignee; on a status
/// change, the watchers; on a comment, the watchers, with its text. Never the
/// person who made the change (someone acting alone on their own bug gets
/// nothing), never two mails to one address for one change: the reasons are
/// merged into one. Subjects name the bug (`[#7] Crash when saving a draft`)
/// and every mail is in the bug's thread (`bug-7`).
enum BugMails {
    /// Why someone is written to.
    enum Reason: Equatable {
        case filedForYou
        case assigned
        case statusChanged(from: BugStatus, to: BugStatus)
        case commented(Comment, by: String)

        var topic: String {
            switch self {
            case .filedForYou: "bug.created"
            case .assigned: "bug.assigned"
            case .statusChanged: "bug.status_changed"
            case .commented: "bug.commented"
            }
        }

        var text: String {
            switch self {
            case .filedForYou: "It was filed and assigned to you."
            case .assigned: "It is assigned to you now."
            case .statusChanged(let from, let to): "Its status changed from \(from.label) to \(to.label)."
            case .commented(let comment, let author): "\(author) commented:\n\n\(comment.body)"
            }
        }
    }

    /// The thread of a bug's mails.
    static func thread(of bug: Bug) -> String { "bug-\(bug.id)" }

    static func created(_ bug: Bug, actor: Int64?, assignee: UserReference?) -> [MailDraft] {
        drafts(for: bug, reasons: [assignee.map { ($0, Reason.filedForYou) }].compactMap { $0 }, actor: actor)
    }

    /// For a change from `before` to `after` by `actor`, to `watchers` (as
    /// the change left them) and the new assignee, from the references
    /// looked up for them; anyone not looked up is skipped.
    static func changed(before: Bug, after: Bug, actor: Int64?, watchers: [Int64], people: [Int64: UserReference]) -> [MailDraft] {
        var reasons: [(UserReference, Reason)] = []
        if let assignee = after.assigneeID, assignee != before.assigneeID, let person = people[assignee] {
            reasons.append((person, .assigned))
        }
        if before.status != after.status {
            for watcher in watchers {
                if let person = people[watcher] { reasons.append((person, .statusChanged(from: before.status, to: after.status))) }
            }
        }
        return drafts(for: after, reasons: reasons, actor: actor)
    }

    static func commented(
        _ bug: Bug, comment: Comment, actor: Int64?, watchers: [Int64], people: [Int64: UserReference]
    ) -> [MailDraft] {
        let author = actor.map { id in people[id]?.name ?? "User #\(id)" } ?? "The bug tracker"
        let reasons = watchers.compactMap { watcher in people[watcher].map { ($0, Reason.commented(comment, by: author)) } }
        return drafts(for: bug, reasons: reasons, actor: actor)
    }

    /// Which people a change must look up to mail: the new assignee, and the
    /// watchers when the status changes.
    static func peopleNeeded(before: Bug, after: Bug, watchers: [Int64]) -> [Int64] {
        var needed: [Int64] = []
        if let assignee = after.assigneeID, assignee != before.assigneeID { needed.append(assignee) }
        if before.status != after.status { needed += watchers }
        return needed
    }

    private static func drafts(for bug: Bug, reasons: [(UserReference, Reason)], actor: Int64?) -> [MailDraft] {
        // One mail per address (compared case-insensitively), first-seen
        // order; never to the one who acted.
        var order: [String] = []
        var grouped: [String: (user: UserReference, reasons: [Reason])] = [:]
        for (user, reason) in reasons where user.id != actor {
            let key = user.email.lowercased()
            if grouped[key] == nil {
                order.append(key)
                grouped[key] = (user, [])
            }
            if !grouped[key]!.reasons.contains(reason) { grouped[key]!.reasons.append(reason) }
        }
        return order.map { key in
            let (user, reasons) = grouped[key]!
            let greeting = user.name.map { "Hello \($0)," } ?? "Hello,"
            let lines = reasons.map(\.text).joined(separator: "\n\n")
            return MailDraft(
                topic: reasons[0].topic,
                recipient: user.email,
                subject: "[#\(bug.id)] \(bug.title)",
                body: """
                    \(greeting)

                    Bug #\(bug.id): \(bug.title)
                    \(lines)

                    Status: \(bug.status.label)
                    Priority: \(bug.priority.rawValue)

                    -- The bug tracker
                    """,
                thread: thread(of: bug)
            )
        }
    }
}

extension BugStatus {
    /// How a person reads the status.
    var label: String {
        switch self {
        case .open: "open"
        case .inProgress: "in progress"
        case .resolved: "resolved"
        case .closed: "closed"
        }
    }
}
