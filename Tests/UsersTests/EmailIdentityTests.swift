import EmbeddedMigrations
import Foundation
import Outbox
import SQLiteStore
import TestSupport
import Testing

@testable import ServiceKit
@testable import Users

/// One address, one user, whatever its spelling: the contract's e-mail rules.
@Suite struct EmailIdentityTests {
    /// The ASCII shortcut gives what the Unicode rules give.
    @Test func asciiAddressesGetTheKeyTheUnicodeRulesGive() {
        var generator = SystemRandomNumberGenerator()
        let printable = (0x21...0x7E).map { Character(Unicode.Scalar(UInt8($0))) }
        var samples = ["Ann@Example.COM", "ZOË@example.com".filter(\.isASCII), "a.B-c_D+e@Sub.Example.ORG", "no-at-sign", "x@y"]
        for _ in 0..<500 {
            samples.append(String((0..<Int.random(in: 1...30, using: &generator)).map { _ in printable.randomElement(using: &generator)! }))
        }
        for sample in samples {
            #expect(EmailAddress.key(sample) == EmailAddress.unicodeKey(sample), "\(sample)")
        }
    }

    @Test(arguments: [
        ("é@x.com", "e\u{0301}@x.com"),  // NFC and NFD
        ("ann@example.com", "ANN@EXAMPLE.COM"),
        ("straße@example.com", "STRASSE@example.com"),  // case folding, not just lower case
        ("a@bücher.example", "a@xn--bcher-kva.example"),  // an IDN and its ASCII form
        ("a@BÜCHER.example", "a@xn--bcher-kva.EXAMPLE"),
    ])
    func twoSpellingsOfOneAddressHaveOneKey(first: String, second: String) throws {
        #expect(EmailAddress.key(try EmailAddress.validate(first)) == EmailAddress.key(try EmailAddress.validate(second)))
    }

    @Test func differentAddressesHaveDifferentKeys() {
        #expect(EmailAddress.key("ann@example.com") != EmailAddress.key("anne@example.com"))
        #expect(EmailAddress.key("a@bücher.example") != EmailAddress.key("a@bucher.example"))
    }

    @Test(arguments: [
        ("bücher", "xn--bcher-kva"), ("münchen", "xn--mnchen-3ya"), ("ドメイン名例", "xn--eckwd4c7cu47r2wf"), ("example", "example"),
    ])
    func punycodeGivesTheRFCsASCIIForms(label: String, ascii: String) {
        #expect(Punycode.asciiLabel(label) == ascii)
    }

    @Test(arguments: [
        ("an\u{200B}n@example.com", "U+200B"), ("ann\u{202E}@example.com", "U+202E"), ("ann\u{FEFF}@example.com", "U+FEFF"),
        ("a\u{200D}b@example.com", "U+200D"),
        (String(repeating: "a", count: 65) + "@example.com", "at most 64 characters"),
        ("a@" + String(repeating: "b", count: 64) + ".com", "at most 63 characters"),
        ("a@" + String(repeating: "ü", count: 60) + ".com", "at most 63 characters"),  // 60 letters, but over 63 as xn--
        ("a@-x.com", "start or end with a hyphen"), ("a@x-.com", "start or end with a hyphen"),
        ("ann@example.com.", "must not end with a dot"), ("a@x..com", "empty part"), ("a@.x.com", "empty part"),
        ("a@ex_ample.com", "only letters, digits, hyphens and dots"), ("a@", "nothing after the @"),
    ])
    func addressesTheContractRefuses(email: String, reason: String) {
        do {
            _ = try EmailAddress.validate(email)
            Issue.record("\(email.debugDescription) was accepted")
        } catch let error as FieldError {
            #expect(error.reason.contains(reason), "\(email.debugDescription): \(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        "ann@example.com", "a@bücher.example", String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 63) + ".com",
        "élodie@exemple.fr", "用户@例子.广告",
    ])
    func addressesTheContractTakes(email: String) throws {
        #expect(try EmailAddress.validate(" \(email) ") == email)
    }

    @Test func namesKeepJoinersButNotInvisibleOrBidiCharacters() throws {
        let family = "👩\u{200D}👩\u{200D}👧 Smith"
        #expect(try NewUser(email: "a@example.com", name: family).name == family)
        for name in ["\u{200D}", "\u{200B}", "Ann\u{202E}", "Ann\u{2066}", " \u{FEFF} "] {
            #expect(throws: FieldError.self, "\(name.debugDescription)") { try NewUser(email: "a@example.com", name: name) }
        }
    }
}

/// The migration that brings existing keys to the new form, on a database
/// made by the code before it.
@Suite struct EmailKeyMigrationTests {
    /// The users migrations the code before this change applied.
    let before = Array(UsersService.migrations.prefix(2))

    /// A database at the old schema holding `emails`, keyed the old way
    /// (lower-cased), migrated to the current schema: its keys after.
    func keysAfterMigrating(_ emails: [String]) async throws -> [String] {
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "users", migrations: before))
            try await insertTheOldWay(emails, into: database)
            try await database.migrate(with: Migrator(service: "users", migrations: UsersService.migrations))
            return try await database.read { connection in
                try connection.query("SELECT email_key FROM users ORDER BY id") { try $0.text("email_key") }
            }
        }
    }

    func insertTheOldWay(_ emails: [String], into database: Database) async throws {
        try await database.write { connection in
            for email in emails {
                try connection.execute(
                    "INSERT INTO users (email, email_key, name, created_at) VALUES (?, ?, NULL, '2026-11-01T00:00:00.000Z')",
                    [.text(email), .text(email.lowercased())]
                )
            }
        }
    }

    @Test func existingKeysTakeTheNewForm() async throws {
        let keys = try await keysAfterMigrating(["ANN@example.com", "a@BÜCHER.example", "Straße@example.com"])
        #expect(keys == ["ann@example.com", "a@xn--bcher-kva.example", "strasse@example.com"])
    }

    @Test func twoUsersWhoBecomeOneStopTheMigrationNamingBoth() async throws {
        try await withEmptyDatabase { database in
            try await database.migrate(with: Migrator(service: "users", migrations: before))
            try await insertTheOldWay(["keep@example.com", "é@x.com", "e\u{0301}@x.com"], into: database)
            do {
                try await database.migrate(with: Migrator(service: "users", migrations: UsersService.migrations))
                Issue.record("the migration merged two users")
            } catch let error as MigrationError {
                #expect(error.description.contains("Migrations/users/0003_normalize_email_keys.sql failed"))
                #expect(error.description.contains("#2 (é@x.com) and #3 (e\u{0301}@x.com)"), "\(error)")
            }
            let (keys, applied) = try await database.read { connection in
                (
                    try connection.query("SELECT email_key FROM users ORDER BY id") { try $0.text("email_key") },
                    try connection.queryFirst("SELECT max(version) AS version FROM schema_migrations") { try $0.int("version") }
                )
            }
            #expect(keys == ["keep@example.com", "é@x.com", "e\u{0301}@x.com"])
            #expect(applied == 2)
        }
    }
}
