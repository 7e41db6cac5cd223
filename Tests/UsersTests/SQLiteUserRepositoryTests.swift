import EmbeddedMigrations
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import Users

@Suite struct SQLiteUserRepositoryTests {
    struct Fixture {
        let database: Database
        let users: SQLiteUserRepository
        let outbox: SQLiteOutboxRepository
    }

    func withRepository(_ body: (Fixture) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            try await body(Fixture(database: database, users: SQLiteUserRepository(database: database, outbox: outbox), outbox: outbox))
        }
    }

    let welcome: @Sendable (User) -> [MailDraft] = { user in
        [MailDraft(topic: "user.welcome", recipient: user.email, subject: "Welcome #\(user.id)", body: "Hello")]
    }

    @Test func createStoresTheUserAndItsMailTogether() async throws {
        try await withRepository { fixture in
            let user = try await fixture.users.create(NewUser(email: "  ann@example.com ", name: "Ann"), mails: welcome)
            #expect(user.id == 1 && user.email == "ann@example.com" && user.name == "Ann")
            #expect(try await fixture.users.get(id: user.id) == user)
            let mails = try await fixture.outbox.messages(after: 0, limit: 10)
            #expect(mails.map(\.recipient) == ["ann@example.com"])
            #expect(mails.first?.subject == "Welcome #1")
            #expect(mails.first?.createdAt == user.createdAt)
            #expect(fixture.outbox.signal.latestID == mails.first?.id)
        }
    }

    @Test func theSameAddressInAnotherCaseIsTakenAndQueuesNothing() async throws {
        try await withRepository { fixture in
            _ = try await fixture.users.create(NewUser(email: "Ann@Example.com", name: nil), mails: welcome)
            await #expect(throws: UserRepositoryError.emailTaken("ANN@example.COM")) {
                try await fixture.users.create(NewUser(email: "ANN@example.COM", name: nil), mails: welcome)
            }
            #expect(try await fixture.outbox.messages(after: 0, limit: 10).count == 1)
            // Unicode case folding, which SQLite's NOCASE would miss.
            _ = try await fixture.users.create(NewUser(email: "ÉLODIE@example.com", name: nil), mails: welcome)
            await #expect(throws: UserRepositoryError.self) {
                try await fixture.users.create(NewUser(email: "élodie@example.com", name: nil), mails: welcome)
            }
        }
    }

    @Test func findIgnoresCaseAndSurroundingSpace() async throws {
        try await withRepository { fixture in
            let ann = try await fixture.users.create(NewUser(email: "ann@example.com", name: nil), mails: welcome)
            #expect(try await fixture.users.find(email: " ANN@EXAMPLE.COM ") == ann)
            #expect(try await fixture.users.find(email: "bob@example.com") == nil)
            #expect(try await fixture.users.get(id: 99) == nil)
        }
    }

    @Test func listPagesAtTheBoundaries() async throws {
        try await withRepository { fixture in
            for index in 1...5 {
                _ = try await fixture.users.create(NewUser(email: "u\(index)@example.com", name: nil), mails: welcome)
            }
            let first = try await fixture.users.list(after: 0, limit: 2)
            #expect(first.items.map(\.id) == [1, 2] && first.nextAfterID == 2)
            let second = try await fixture.users.list(after: 2, limit: 2)
            #expect(second.items.map(\.id) == [3, 4] && second.nextAfterID == 4)
            let last = try await fixture.users.list(after: 4, limit: 2)
            #expect(last.items.map(\.id) == [5] && last.nextAfterID == nil)
            // A limit that exactly fits leaves no next page.
            let exact = try await fixture.users.list(after: 0, limit: 5)
            #expect(exact.items.count == 5 && exact.nextAfterID == nil)
            #expect(try await fixture.users.list(after: 5, limit: 5).items.isEmpty)
        }
    }

    @Test func unicodeAndLongestValuesRoundTrip() async throws {
        try await withRepository { fixture in
            let local = String(repeating: "é", count: 64)
            // The longest address: 64 characters before the @, and labels of
            // at most 63 after it, 254 in all.
            let domain = [63, 63, 57].map { String(repeating: "b", count: $0) }.joined(separator: ".") + ".com"
            let email = "\(local)@\(domain)"
            #expect(email.unicodeScalars.count == 254)
            let name = String(repeating: "名", count: 199) + "🐛"
            let user = try await fixture.users.create(NewUser(email: email, name: name), mails: welcome)
            #expect(try await fixture.users.get(id: user.id) == user)
            #expect(user.name == name && user.email == email)
        }
    }

    @Test func concurrentCreatesOfOneAddressLeaveOneUserAndOneMail() async throws {
        try await withRepository { fixture in
            let users = fixture.users
            let welcome = self.welcome
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 {
                    group.addTask { (try? await users.create(NewUser(email: "same@example.com", name: nil), mails: welcome)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            let mails = try await fixture.outbox.messages(after: 0, limit: 100)
            #expect(mails.count == 1)
        }
    }
}

@Suite struct NewUserValidationTests {
    @Test(arguments: [
        ("test", "exactly one @"), ("@example.com", "nothing before the @"), ("ann@localhost", "needs a dot"),
        ("ann@@example.com", "exactly one @"), ("ann@example..com", "empty part"), ("", "must not be empty"),
        ("ann smith@example.com", "spaces"), ("ann@example.com\r\nBcc: x@evil.com", "spaces or control"),
        ("Ann <ann@example.com>", "spaces"), ("ann@example.com,bob@example.com", "bare address"),
    ])
    func rejectsWhatIsNotAnAddress(email: String, reason: String) {
        do {
            _ = try NewUser(email: email, name: nil)
            Issue.record("\(email) was accepted")
        } catch let error as FieldError {
            #expect(error.field == "email")
            #expect(error.reason.contains(reason), "\(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func limitsLengths() throws {
        let tooLong = String(repeating: "a", count: 250) + "@b.co"
        #expect(throws: FieldError(field: "email", reason: "must be at most 254 characters")) {
            try NewUser(email: tooLong, name: nil)
        }
        #expect(throws: FieldError(field: "name", reason: "must be at most 200 characters")) {
            try NewUser(email: "a@b.co", name: String(repeating: "n", count: 201))
        }
        #expect(try NewUser(email: "a@b.co", name: String(repeating: "n", count: 200)).name?.count == 200)
    }

    @Test func namesAreOneLineAndEmptyMeansNone() throws {
        #expect(throws: FieldError.self) { try NewUser(email: "a@b.co", name: "Ann\r\nBcc: x@evil.com") }
        #expect(try NewUser(email: "a@b.co", name: "   ").name == nil)
        #expect(try NewUser(email: "a@b.co", name: "  Ann  ").name == "Ann")
    }
}
