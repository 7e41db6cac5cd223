/// Parts of pages as HTML, each rendered once and shared: the bug list's
/// rows, a bug's header, comments and history entries.
///
/// swift-mustache takes about 60 µs to render one list row (its look-ups
/// cast `Any` values at run time), which at 25 rows was most of a list
/// page's cost, and a bug's comments and history cost as much on its page.
/// A fragment depends only on what its key names (a bug's version, comment
/// count, assignee's name and shown time; a comment's id, author and shown
/// time), so the rendered HTML is kept under that key and every person's
/// pages share it. The HTML is a template's own output, escaped by it, and
/// goes into the page unescaped, joined with its kind (`{{{rows}}}`, `{{{comments}}}`).
final class Fragments: Sendable {
    private let kept: KeptValues<String, String>

    /// - Parameter capacity: fragments kept; when full, all go (they are
    ///   cheap to make again).
    init(capacity: Int = 50_000) {
        self.kept = KeptValues(capacity: capacity)
    }

    /// The fragment named by `key`'s parts (its kind first, then what it
    /// depends on), rendered by `render` when it is not kept.
    func html(_ key: [String], render: () -> String) -> String {
        // A separator no value of the APIs holds, so two keys cannot run together.
        let key = key.joined(separator: "\u{1}")
        if let html = kept.value(for: key) { return html }
        let html = render()
        kept.keep(html, for: key)
        return html
    }
}
