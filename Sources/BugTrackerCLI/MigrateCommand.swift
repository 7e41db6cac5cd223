import Foundation
import SQLiteStore
public import ServiceKit

/// `bugtracker-migrate`: applies and reports the services' schema migrations.
public enum MigrateTool {
    /// The tool over `catalog` (the real services, unless a test brings its own).
    public static func tool(catalog: [ServiceDefinition] = ServiceCatalog.all) -> CommandLineTool {
        let withDatabases = catalog.filter { $0.migrations != nil }
        return CommandLineTool(
            root: Command(
                name: "bugtracker-migrate",
                abstract: "Apply and inspect the bug tracker's database migrations.",
                discussion: """
                    The migrations are compiled in from Migrations/<service>/NNNN_name.sql. \
                    Every option can also be set as BUGTRACKER_<OPTION> (--data-dir ↔ BUGTRACKER_DATA_DIR); a flag wins.
                    """,
                subcommands: [up(withDatabases), status(withDatabases), new(withDatabases)]
            ),
            topology: ServiceCatalog.standaloneTopology(catalog)
        )
    }

    static func databaseOptions(_ catalog: [ServiceDefinition], creating: Bool) -> [CommandOption] {
        let names = ServiceCatalog.names(catalog)
        return [
            CommandOption(
                "data-dir", valueName: "PATH",
                help: "The folder holding each service's <service>.db" + (creating ? "; created if missing." : "."),
                default: .value("./data")
            ),
            CommandOption("service", valueName: "NAME", help: "Only this service's database: \(names)."),
            CommandOption("db", valueName: "PATH", help: "With --service: its database file (default: <data-dir>/<service>.db)."),
        ]
    }

    /// The (service, file) pairs `values` choose.
    static func resolve(
        _ values: OptionValues, catalog: [ServiceDefinition], creatingDirectory: Bool
    ) throws -> [(definition: ServiceDefinition, migrator: Migrator, path: String)] {
        let dataDir = values.string("data-dir") ?? "./data"
        let db = values.string("db")
        let service = values.string("service")
        if db != nil && service == nil {
            throw CommandFailure("--db needs --service to say whose database it is")
        }
        var chosen = catalog
        if let service {
            guard let definition = catalog.first(where: { $0.name == service }) else {
                throw CommandFailure(
                    "unknown service '\(service)'; the services are \(ServiceCatalog.names(catalog).replacingOccurrences(of: " or ", with: " and "))"
                )
            }
            chosen = [definition]
        }
        if db == nil && creatingDirectory { try DataDirectory.create(dataDir) }
        return try chosen.compactMap { definition in
            guard let migrator = try definition.migrator() else { return nil }
            return (definition, migrator, db ?? DataDirectory.path(of: definition.name, in: dataDir))
        }
    }

    static func up(_ catalog: [ServiceDefinition]) -> Command {
        Command(
            name: "up", abstract: "Apply pending migrations, each in its own transaction.",
            options: databaseOptions(catalog, creating: true)
        ) {
            invocation in
            for (definition, migrator, path) in try resolve(invocation.options, catalog: catalog, creatingDirectory: true) {
                let applied = try await DatabaseAccess.withDatabase(at: path) { database in
                    try await database.migrate(with: migrator)
                }
                if applied.isEmpty {
                    print("\(definition.name): up to date (\(migrator.migrations.count) migrations applied) in \(path)")
                } else {
                    for migration in applied { print("\(definition.name): applied \(migration.fileName)") }
                }
            }
        }
    }

    static func status(_ catalog: [ServiceDefinition]) -> Command {
        let check = CommandOption(
            "check", kind: .flag, help: "Exit non-zero when a migration is pending, changed since applied, or unknown to this binary."
        )
        return Command(
            name: "status", abstract: "List applied and pending migrations with their checksums.",
            options: databaseOptions(catalog, creating: false) + [check]
        ) { invocation in
            var problems: [String] = []
            for (definition, migrator, path) in try resolve(invocation.options, catalog: catalog, creatingDirectory: false) {
                let service = definition.name
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
                    let source = migrator.migrations.first { $0.version == entry.version }?.path ?? "Migrations/\(service)/\(file)"
                    switch entry.state {
                    case .applied: break
                    case .pending: problems.append("\(service): \(source) is pending")
                    case .modified: problems.append("\(service): \(source) has changed since it was applied")
                    case .unknown:
                        problems.append("\(service): version \(entry.version) (\(entry.name)) is applied but unknown to this binary")
                    }
                }
            }
            if invocation.options.flag(check.name) && !problems.isEmpty {
                throw CommandFailure(problems.joined(separator: "; "))
            }
        }
    }

    static func new(_ catalog: [ServiceDefinition]) -> Command {
        let migrationsDir = CommandOption(
            "migrations-dir", valueName: "PATH", help: "The migrations folder.", default: .value("Migrations"))
        return Command(
            name: "new",
            abstract: "Write the next numbered migration file for a service.",
            discussion: "Run from the repository root; the file is compiled in at the next build.",
            options: [migrationsDir],
            arguments: [
                .init("service", help: ServiceCatalog.names(catalog) + "."),
                .init("name", help: "What the migration does, e.g. add_bug_labels."),
            ]
        ) { invocation in
            let (service, name) = (invocation.arguments[0], invocation.arguments[1])
            guard catalog.contains(where: { $0.name == service }) else {
                throw CommandFailure(
                    "unknown service '\(service)'; the services are \(ServiceCatalog.names(catalog).replacingOccurrences(of: " or ", with: " and "))"
                )
            }
            let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
                .split(separator: "_").joined(separator: "_")
            guard !slug.isEmpty, slug.allSatisfy(\.isASCII) else {
                throw CommandFailure("the name '\(name)' has no ASCII letters or digits to name the file with")
            }
            let folder = URL(fileURLWithPath: invocation.options.string(migrationsDir.name) ?? "Migrations").appendingPathComponent(service)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CommandFailure("no folder \(folder.path); run this from the repository root or pass --migrations-dir")
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            let existing = files.compactMap { Migration.parse(fileName: $0.replacingOccurrences(of: ".shared", with: ".sql")) }
            if let taken = existing.first(where: { $0.name == slug }) {
                throw CommandFailure(
                    "\(folder.lastPathComponent) already has a migration named \(slug) (\(Migration.fileName(version: taken.version, name: slug))); choose another name"
                )
            }
            let next = (existing.map(\.version).max() ?? 0) + 1
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
