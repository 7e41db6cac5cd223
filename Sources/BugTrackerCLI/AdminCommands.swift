import Foundation
import SQLiteStore
import ServiceKit

/// `bugtracker admin …`: the admin commands of every service, each run on
/// its service's database directly (the service may be running).
enum AdminCommands {
    static func command(catalog: [ServiceDefinition]) -> Command? {
        let subcommands = catalog.flatMap { definition in definition.adminCommands.map { command(for: $0, of: definition) } }
        guard !subcommands.isEmpty else { return nil }
        return Command(name: "admin", abstract: "Operators' commands, run on a service's database directly.", subcommands: subcommands)
    }

    private static func command(for admin: AdminCommand, of definition: ServiceDefinition) -> Command {
        var option = CommonOptions.db
        option.help = "The \(definition.name) database."
        option.defaultValue = .value("./data/\(definition.name).db")
        let db = option
        return Command(
            name: admin.name, abstract: admin.abstract, options: [db],
            arguments: admin.arguments.map { Command.Argument($0.name, help: $0.help) }
        ) { invocation in
            guard let migrator = try definition.migrator() else { throw CommandFailure("the \(definition.name) service has no database") }
            let path = invocation.options.string(db.name) ?? "./data/\(definition.name).db"
            let database = try await ServiceDatabases.open(
                definition.name, migrator: migrator, path: path, synchronous: .full, migrate: false)
            do {
                let line = try await admin.run(database, invocation.arguments)
                await database.close()
                print(line)
            } catch {
                await database.close()
                throw error
            }
        }
    }
}
