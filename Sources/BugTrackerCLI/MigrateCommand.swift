public import ArgumentParser
import EmbeddedMigrations
import Foundation
import SQLiteStore
import ServiceKit

/// `bugtracker-migrate`: applies and reports the services' schema migrations.
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bugtracker-migrate",
        abstract: "Apply and inspect the bug tracker's database migrations.",
        discussion: """
            The migrations are compiled in from Migrations/<service>/NNNN_name.sql. \
            Every option can also be set as BUGTRACKER_<OPTION> (--data-dir ↔ BUGTRACKER_DATA_DIR); a flag wins.
            """,
        subcommands: [Up.self, Status.self, New.self]
    )

    public init() {}

    /// Which databases a command works on.
    struct Databases: ParsableArguments {
        @Option(help: "The folder holding users.db, bugs.db and notificator.db; created if missing.")
        var dataDir: String = "./data"

        @Option(help: "Only this service's database: users, bugs or notificator.")
        var service: String?

        @Option(help: "With --service: its database file (default: <data-dir>/<service>.db).")
        var db: String?

        /// The (service, file) pairs chosen, after checking the names.
        func resolve(creatingDirectory: Bool) throws -> [(service: ServiceName, path: String)] {
            if db != nil && service == nil {
                throw CommandFailure("--db needs --service to say whose database it is")
            }
            if let service {
                guard let name = ServiceName(rawValue: service) else {
                    throw CommandFailure("unknown service '\(service)'; the services are users, bugs and notificator")
                }
                if let db { return [(name, db)] }
                if creatingDirectory { try DataDirectory.create(dataDir) }
                return [(name, DataDirectory.path(of: name, in: dataDir))]
            }
            if creatingDirectory { try DataDirectory.create(dataDir) }
            return ServiceName.allCases.map { ($0, DataDirectory.path(of: $0, in: dataDir)) }
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations, each in its own transaction.")

        @OptionGroup var databases: Databases

        func run() async throws {
            for (service, path) in try databases.resolve(creatingDirectory: true) {
                let migrator = try MigrationCatalog.migrator(for: service)
                let applied = try await DatabaseAccess.withDatabase(at: path) { database in
                    try await database.migrate(with: migrator)
                }
                if applied.isEmpty {
                    print("\(service): up to date (\(migrator.migrations.count) migrations applied) in \(path)")
                } else {
                    for migration in applied { print("\(service): applied \(migration.fileName)") }
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applied and pending migrations with their checksums.")

        @OptionGroup var databases: Databases

        @Flag(help: "Exit non-zero when a migration is pending, changed since applied, or unknown to this binary.")
        var check = false

        func run() async throws {
            var problems: [String] = []
            for (service, path) in try databases.resolve(creatingDirectory: false) {
                let migrator = try MigrationCatalog.migrator(for: service)
                let entries: [Migrator.Entry]
                if FileManager.default.fileExists(atPath: path) {
                    entries = try await DatabaseAccess.withDatabase(at: path, create: false) { database in
                        try await database.migrationStatus(with: migrator)
                    }
                    print("\(service) (\(path)):")
                } else {
                    entries = migrator.statusOfNewDatabase
                    print("\(service) (\(path), not created yet):")
                }
                for entry in entries {
                    let file = Migration.fileName(version: entry.version, name: entry.name)
                    let state = entry.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                    let applied = (entry.appliedAt ?? "").padding(toLength: 24, withPad: " ", startingAt: 0)
                    print("  \(file.padding(toLength: 34, withPad: " ", startingAt: 0)) \(state) \(applied) sha256:\(entry.checksum)")
                    switch entry.state {
                    case .applied: break
                    case .pending: problems.append("\(service): Migrations/\(service)/\(file) is pending")
                    case .modified: problems.append("\(service): Migrations/\(service)/\(file) has changed since it was applied")
                    case .unknown:
                        problems.append("\(service): version \(entry.version) (\(entry.name)) is applied but unknown to this binary")
                    }
                }
            }
            if check && !problems.isEmpty {
                throw CommandFailure(problems.joined(separator: "; "))
            }
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the next numbered migration file for a service.",
            discussion: "Run from the repository root; the file is compiled in at the next build."
        )

        @Argument(help: "users, bugs or notificator.")
        var service: String

        @Argument(help: "What the migration does, e.g. add_bug_labels.")
        var name: String

        @Option(help: "The migrations folder.")
        var migrationsDir: String = "Migrations"

        func run() throws {
            guard ServiceName(rawValue: service) != nil else {
                throw CommandFailure("unknown service '\(service)'; the services are users, bugs and notificator")
            }
            let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
                .split(separator: "_").joined(separator: "_")
            guard !slug.isEmpty, slug.allSatisfy(\.isASCII) else {
                throw CommandFailure("the name '\(name)' has no ASCII letters or digits to name the file with")
            }
            let folder = URL(fileURLWithPath: migrationsDir).appendingPathComponent(service)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CommandFailure("no folder \(folder.path); run this from the repository root or pass --migrations-dir")
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            let next = (files.compactMap { Migration.parse(fileName: $0)?.version }.max() ?? 0) + 1
            let file = folder.appendingPathComponent(Migration.fileName(version: next, name: slug))
            let template = """
                -- \(slug): what this migration changes, and why.
                -- It runs in one transaction together with its schema_migrations row:
                -- no BEGIN or COMMIT here. Once applied anywhere, never edit it; add another.

                """
            guard FileManager.default.createFile(atPath: file.path, contents: Data(template.utf8)) else {
                throw CommandFailure("cannot write \(file.path)")
            }
            print(file.path)
        }
    }
}
