import Testing

@testable import Web

@Suite struct SelectOptionsTests {
    let options: SelectOptions

    init() throws {
        options = SelectOptions(renderer: try PageRenderer())
    }

    @Test func wordsAreShownWithTheChoiceMarked() {
        let html = options.words(["open", "in_progress"], selected: "in_progress")
        #expect(html == #"<option value="open">Open</option><option value="in_progress" selected>In progress</option>"#)
        // Kept lists are per choice: the other choice is not the one above.
        #expect(options.words(["open", "in_progress"], selected: "open").hasPrefix(#"<option value="open" selected>"#))
        // A value that is not offered chooses nothing.
        #expect(!options.words(["open", "in_progress"], selected: "<b>").contains("selected"))
        #expect(!options.words(["open", "in_progress"], selected: nil).contains("selected"))
    }

    @Test func peopleAreEscapedAndOneIsChosen() {
        let people = People(
            [Person(id: 1, name: "Ann"), Person(id: 2, name: "<script>alert(1)</script>"), Person(id: 3, name: "Cy")], revision: 1)
        let chosen = options.people(people, selected: 3, nobody: true)
        #expect(
            chosen == #"<option value="">Nobody</option><option value="1">Ann</option>"#
                + #"<option value="2">&lt;script&gt;alert(1)&lt;/script&gt;</option><option value="3" selected>Cy</option>"#)
        let nobody = options.people(people, selected: nil, nobody: true)
        #expect(nobody.hasPrefix(#"<option value="" selected>Nobody</option><option value="1">Ann</option>"#))
        #expect(nobody.split(separator: "selected", omittingEmptySubsequences: false).count == 2)
        #expect(options.people(people, selected: 1, nobody: false).hasPrefix(#"<option value="1" selected>Ann</option><option value="2">"#))
    }

    @Test func anotherReadOfThePeopleShowsItsOwnNames() {
        #expect(options.people(People([Person(id: 1, name: "Bob")], revision: 1), selected: nil, nobody: false).contains(">Bob<"))
        let renamed = options.people(People([Person(id: 1, name: "Robert")], revision: 2), selected: nil, nobody: false)
        #expect(renamed == #"<option value="1">Robert</option>"#)
        // A read cut short has no revision and is never taken for a kept one.
        let partial = options.people(People([Person(id: 1, name: "Rob")], revision: nil), selected: nil, nobody: false)
        #expect(partial == #"<option value="1">Rob</option>"#)
        #expect(options.people(People([Person(id: 1, name: "Robert")], revision: 2), selected: nil, nobody: false) == renamed)
    }
}
