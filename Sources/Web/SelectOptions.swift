import Synchronization

/// The `<option>`s of the pages' `<select>`s, as HTML made by
/// options.mustache, which escapes every value and label.
///
/// A mustache section costs swift-mustache a context and several look-ups
/// for each option, about 12 µs: a tenth of a list page with nine options,
/// and milliseconds with a thousand people in the assignee picker. So the
/// status and priority lists are kept for each choice (there are a few),
/// and each person's option is made once for each read of the people list
/// (`People.revision`), then joined per page with the chosen one marked.
final class SelectOptions: Sendable {
    private let renderer: PageRenderer
    private let lists = Fragments(capacity: 1000)
    /// Each person's option, not chosen, for one read of the people list.
    private let people = Mutex<(revision: Int, options: [String])?>(nil)

    init(renderer: PageRenderer) {
        self.renderer = renderer
    }

    /// Options for each of `values`, shown as words (`in_progress` → `In
    /// progress`), `selected` chosen.
    func words(_ values: [String], selected: String?) -> String {
        // Only a value offered is kept as a choice: the key space stays a
        // few lists, whatever a URL asks for.
        let selected = selected.flatMap { values.contains($0) ? $0 : nil }
        return lists.html(["words", selected ?? ""] + values) {
            render(values.map { (value: $0, label: Presentation.word($0), selected: $0 == selected) })
        }
    }

    /// Options for `people`, `selected` chosen, after "Nobody" (chosen when
    /// `selected` is nil) when `nobody`.
    func people(_ people: People, selected: Int64?, nobody: Bool) -> String {
        var html = nobody ? render([("", "Nobody", selected == nil)]) : ""
        let options = self.options(for: people)
        for (person, option) in zip(people.all, options) {
            html += person.id == selected ? render([(String(person.id), person.name, true)]) : option
        }
        return html
    }

    private func options(for people: People) -> [String] {
        if let revision = people.revision, let kept = self.people.withLock({ $0?.revision == revision ? $0?.options : nil }) {
            return kept
        }
        let options = people.all.map { render([(String($0.id), $0.name, false)]) }
        if let revision = people.revision { self.people.withLock { $0 = (revision, options) } }
        return options
    }

    private func render(_ options: [(value: String, label: String, selected: Bool)]) -> String {
        renderer.fragment("options", ["options": options.map { ["value": $0.value, "label": $0.label, "selected": $0.selected] }])
    }
}
