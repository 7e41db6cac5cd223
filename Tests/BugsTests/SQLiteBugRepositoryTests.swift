import EmbeddedMigrations
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import Bugs

// Swift Testing has a `Bug` trait too.
typealias Bug = Bugs.Bug

@Suite struct SQLiteBugRepositoryTests {
    struct Fixture {
        let bugs: SQLiteBugRepository
        let outbox: SQLiteOutboxRepository
    }

    func withRepository(_ body: (Fixture) async throws -> Void) async throws {
        try await withMigratedDatabase("bugs") { database in
            let outbox = SQLiteOutboxRepository(database: database)
            let clock = TestClock()
            try await body(Fixture(bugs: SQLiteBugRepository(database: database, outbox: outbox, clock: clock.now), outbox: outbox))
        }
    }

    let noMail: @Sendable (Bug) -> [MailDraft] = { _ in [] }
    let noChangeMail: @Sendable (Bug, Bug) -> [MailDraft] = { _, _ in [] }

    func newBug(_ title: String = "Crash on save", priority: BugPriority? = nil, reporter: Int64? = 1, assignee: Int64? = 2) throws
        -> NewBug
    {
        try NewBug(title: title, description: "Steps:\n1. save", priority: priority, reporterID: reporter, assigneeID: assignee)
    }

    @Test func createStartsOpenAtVersionOneWithItsMails() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.bugs.create(try newBug(priority: .high)) { bug in
                [MailDraft(topic: "bug.created", recipient: "a@example.com", subject: "#\(bug.id)", body: bug.title)]
            }
            #expect(bug.status == .open && bug.version == 1 && bug.priority == .high)
            #expect(bug.createdAt == bug.updatedAt)
            #expect(try await fixture.bugs.get(id: bug.id) == bug)
            let mails = try await fixture.outbox.messages(after: 0, limit: 10)
            #expect(mails.map(\.subject) == ["#1"])
        }
    }

    @Test func updateBumpsTheVersionAndQueuesMailsFromBeforeAndAfter() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.bugs.create(try newBug(), mails: noMail)
            let updated = try await fixture.bugs.update(
                id: bug.id, changes: try BugChanges(status: .inProgress, assigneeID: .some(nil)), expectedVersion: 1
            ) { before, after in
                [
                    MailDraft(
                        topic: "bug.status", recipient: "r@example.com", subject: "\(before.status.rawValue)→\(after.status.rawValue)",
                        body: "")
                ]
            }
            #expect(updated.version == 2 && updated.status == .inProgress && updated.assigneeID == nil)
            #expect(updated.updatedAt > bug.updatedAt && updated.createdAt == bug.createdAt)
            #expect(try await fixture.bugs.get(id: bug.id) == updated)
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).map(\.subject) == ["open→in_progress"])
        }
    }

    @Test func aStaleVersionChangesNothingAndQueuesNothing() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.bugs.create(try newBug(), mails: noMail)
            _ = try await fixture.bugs.update(
                id: bug.id, changes: try BugChanges(title: "New title"), expectedVersion: 1, mails: noChangeMail)
            await #expect(throws: BugRepositoryError.versionMismatch(current: 2)) {
                try await fixture.bugs.update(id: bug.id, changes: try BugChanges(title: "Stale"), expectedVersion: 1) { _, _ in
                    [MailDraft(topic: "t", recipient: "r@example.com", subject: "s", body: "b")]
                }
            }
            #expect(try await fixture.bugs.get(id: bug.id)?.title == "New title")
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).isEmpty)
        }
    }

    @Test func forbiddenMovesAreRefused() async throws {
        try await withRepository { fixture in
            let bug = try await fixture.bugs.create(try newBug(), mails: noMail)
            let closed = try await fixture.bugs.update(
                id: bug.id, changes: try BugChanges(status: .closed), expectedVersion: 1, mails: noChangeMail)
            await #expect(throws: BugRepositoryError.invalidTransition(from: .closed, to: .resolved)) {
                try await fixture.bugs.update(
                    id: bug.id, changes: try BugChanges(status: .resolved), expectedVersion: closed.version, mails: noChangeMail)
            }
            await #expect(throws: BugRepositoryError.notFound(99)) {
                try await fixture.bugs.update(id: 99, changes: try BugChanges(title: "x"), expectedVersion: 1, mails: noChangeMail)
            }
        }
    }

    @Test func listFiltersCombineWithAndAndPage() async throws {
        try await withRepository { fixture in
            for index in 1...9 {
                _ = try await fixture.bugs.create(
                    try newBug(
                        "Bug \(index)", priority: index % 3 == 0 ? .urgent : .low, reporter: Int64(index % 2 + 1),
                        assignee: index > 6 ? nil : 5),
                    mails: noMail
                )
            }
            let urgent = try await fixture.bugs.list(filter: BugFilter(priority: .urgent), after: 0, limit: 50)
            #expect(urgent.items.map(\.id) == [3, 6, 9])
            let both = try await fixture.bugs.list(filter: BugFilter(priority: .urgent, reporterID: 2), after: 0, limit: 50)
            #expect(both.items.map(\.id) == [3, 9])
            let assigned = try await fixture.bugs.list(filter: BugFilter(status: .open, assigneeID: 5), after: 0, limit: 4)
            #expect(assigned.items.map(\.id) == [1, 2, 3, 4] && assigned.nextAfterID == 4)
            let rest = try await fixture.bugs.list(filter: BugFilter(status: .open, assigneeID: 5), after: 4, limit: 4)
            #expect(rest.items.map(\.id) == [5, 6] && rest.nextAfterID == nil)
            #expect(try await fixture.bugs.list(filter: BugFilter(status: .closed), after: 0, limit: 50).items.isEmpty)
        }
    }

    @Test func longestAndUnicodeValuesRoundTrip() async throws {
        try await withRepository { fixture in
            let title = String(repeating: "🐛", count: 200)
            let description = String(repeating: "ü\n", count: 10_000)
            let bug = try await fixture.bugs.create(try newBug(title).withDescription(description), mails: noMail)
            let stored = try #require(try await fixture.bugs.get(id: bug.id))
            #expect(stored.title == title && stored.description == description)
        }
    }
}

extension NewBug {
    func withDescription(_ description: String) throws -> NewBug {
        try NewBug(title: title, description: description, priority: priority, reporterID: reporterID, assigneeID: assigneeID)
    }
}

@Suite struct BugRulesTests {
    @Test func theTransitionTableIsTheContracts() {
        let allowed: [BugStatus: Set<BugStatus>] = [
            .open: [.inProgress, .resolved, .closed],
            .inProgress: [.open, .resolved, .closed],
            .resolved: [.closed, .open],
            .closed: [.open],
        ]
        for from in BugStatus.allCases {
            for to in BugStatus.allCases where to != from {
                #expect(from.canMove(to: to) == allowed[from]!.contains(to), "\(from) → \(to)")
            }
        }
    }

    @Test func titlesAreTrimmedOneLineAndBounded() throws {
        #expect(try NewBug(title: "  Crash  ", description: nil, priority: nil, reporterID: nil, assigneeID: nil).title == "Crash")
        #expect(throws: FieldError(field: "title", reason: "must not be empty")) {
            try NewBug(title: "   ", description: nil, priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError.self) {
            try NewBug(title: String(repeating: "x", count: 201), description: nil, priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError.self) {
            try NewBug(title: "Crash\r\nBcc: x@evil.com", description: nil, priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError.self) {
            try NewBug(title: "Crash", description: String(repeating: "d", count: 20_001), priority: nil, reporterID: nil, assigneeID: nil)
        }
        #expect(throws: FieldError(field: "reporter_id", reason: "must be a positive user id")) {
            try NewBug(title: "Crash", description: nil, priority: nil, reporterID: 0, assigneeID: nil)
        }
    }

    @Test func settingTheSameStatusIsNoMove() throws {
        let bug = Bug(
            id: 1, title: "t", description: nil, status: .closed, priority: .normal, reporterID: nil, assigneeID: nil,
            createdAt: .now(), updatedAt: .now(), version: 3
        )
        let same = try bug.applying(try BugChanges(status: .closed), at: .now())
        #expect(same.status == .closed && same.version == 4)
    }
}
