import Synchronization

/// The bug list's rows as HTML, each rendered once per version of its bug.
///
/// swift-mustache takes about 60 µs to render one row (its look-ups cast
/// `Any` values at run time), which at 25 rows was most of a list page's
/// cost. A row depends only on the bug's version, its comment count, its
/// assignee's name and the relative time shown, so the rendered HTML is kept
/// under those; every person's list shares it. The HTML is the template's
/// output, escaped by it, and goes into the page with `{{{.}}}`: the one
/// unescaped output in the templates.
final class BugRows: Sendable {
    struct Key: Hashable {
        let id: Int64
        let version: Int64
        let commentCount: Int64
        let assignee: String?
        let updated: String
    }

    private let rows = Mutex<[Key: String]>([:])
    private let capacity: Int

    /// - Parameter capacity: rows kept; when full, all go (they are cheap to make again).
    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    /// The row for `key`, rendered by `render` when it is not kept.
    func row(_ key: Key, render: () -> String) -> String {
        if let kept = rows.withLock({ $0[key] }) { return kept }
        let html = render()
        rows.withLock { rows in
            if rows.count >= capacity { rows.removeAll(keepingCapacity: true) }
            rows[key] = html
        }
        return html
    }
}
