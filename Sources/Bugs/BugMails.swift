import Outbox
import ServiceKit

/// The e-mails bug changes queue, and who gets them. The one place their
/// words live.
///
/// On create: the assignee and the reporter. On a new assignee: the new
/// assignee. On a status change: the reporter and the assignee. Never two
/// mails to one address for one change: the reasons are merged into one.
enum BugMails {
    /// Why someone is written to.
    private enum Reason {
        case reported
        case assigned
        case statusChanged(from: BugStatus, to: BugStatus)

        var topic: String {
            switch self {
            case .reported, .assigned: "bug.created"
            case .statusChanged: "bug.status_changed"
            }
        }

        var sentence: String {
            switch self {
            case .reported: "You reported it."
            case .assigned: "It is assigned to you."
            case .statusChanged(let from, let to): "Its status changed from \(from.label) to \(to.label)."
            }
        }
    }

    static func created(_ bug: Bug, reporter: UserReference?, assignee: UserReference?) -> [MailDraft] {
        var reasons: [(UserReference, Reason)] = []
        if let assignee { reasons.append((assignee, .assigned)) }
        if let reporter { reasons.append((reporter, .reported)) }
        return drafts(for: bug, reasons: reasons, headline: "was filed")
    }

    static func changed(before: Bug, after: Bug, reporter: UserReference?, assignee: UserReference?) -> [MailDraft] {
        var reasons: [(UserReference, Reason)] = []
        let newAssignee = after.assigneeID != nil && after.assigneeID != before.assigneeID
        if newAssignee, let assignee, assignee.id == after.assigneeID {
            reasons.append((assignee, .assigned))
        }
        if before.status != after.status {
            let reason = Reason.statusChanged(from: before.status, to: after.status)
            if let reporter, reporter.id == after.reporterID { reasons.append((reporter, reason)) }
            if let assignee, assignee.id == after.assigneeID { reasons.append((assignee, reason)) }
        }
        return drafts(for: after, reasons: reasons, headline: "changed")
    }

    /// Which users a change must look up to mail: the reporter when the
    /// status changes, the assignee (after the change) when the status
    /// changes or the assignee is new.
    static func recipientsNeeded(before: Bug, after: Bug) -> (reporter: Int64?, assignee: Int64?) {
        let statusChanged = before.status != after.status
        let newAssignee = after.assigneeID != nil && after.assigneeID != before.assigneeID
        return (statusChanged ? after.reporterID : nil, statusChanged || newAssignee ? after.assigneeID : nil)
    }

    private static func drafts(for bug: Bug, reasons: [(UserReference, Reason)], headline: String) -> [MailDraft] {
        // Group by address, case-insensitively, keeping first-seen order.
        var order: [String] = []
        var grouped: [String: (user: UserReference, reasons: [Reason])] = [:]
        for (user, reason) in reasons {
            let key = user.email.lowercased()
            if grouped[key] == nil {
                order.append(key)
                grouped[key] = (user, [])
            }
            grouped[key]!.reasons.append(reason)
        }
        return order.map { key in
            let (user, reasons) = grouped[key]!
            let greeting = user.name.map { "Hello \($0)," } ?? "Hello,"
            let lines = reasons.map(\.sentence).joined(separator: "\n")
            return MailDraft(
                topic: reasons[0].topic,
                recipient: user.email,
                subject: "[Bug #\(bug.id)] \(bug.title)",
                body: """
                    \(greeting)

                    Bug #\(bug.id) \(headline): \(bug.title)
                    \(lines)

                    Status: \(bug.status.label)
                    Priority: \(bug.priority.rawValue)

                    -- The bug tracker
                    """
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
