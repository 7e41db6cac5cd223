import Foundation
import SQLiteStore
public import ServiceKit
import ServiceLifecycle

/// `bugtracker`: runs the services, all at once (`dev`, the default) or one
/// at a time, each command made from a service definition.
public enum BugTrackerTool {
    /// The tool over `catalog` (the real services, unless a test brings its own).
    public static func tool(catalog: [ServiceDefinition] = ServiceCatalog.all) -> CommandLineTool {
        CommandLineTool(root: command(catalog: catalog), topology: ServiceCatalog.standaloneTopology(catalog))
    }

    static func command(catalog: [ServiceDefinition]) -> Command {
        Command(
            name: "bugtracker",
            abstract: "The bug tracker's services: \(catalog.map(\.name).joined(separator: ", ")).",
            discussion: """
                Every option can also be set as BUGTRACKER_<OPTION> (--users-url ↔ BUGTRACKER_USERS_URL); \
                a flag wins over the environment.
                """,
            subcommands: [DevCommand.command(catalog: catalog)] + catalog.map(serviceCommand)
                + [AdminCommands.command(catalog: catalog)].compactMap { $0 },
            defaultSubcommand: DevCommand.name
        )
    }

    /// `bugtracker <service>`: the service alone, on a database made by
    /// `bugtracker-migrate up`.
    static func serviceCommand(_ definition: ServiceDefinition) -> Command {
        var options = CommonOptions.process
        options += definition.listeners.map { listener in
            CommandOption(
                listener.option, valueName: "PORT", help: "The port to serve \(listener.serves) on (0: any free port).",
                default: .value(String(listener.defaultPort))
            )
        }
        if definition.migrations != nil {
            var db = CommonOptions.db
            db.defaultValue = .value("./data/\(definition.name).db")
            options += [db, CommonOptions.synchronous]
        }
        options += definition.options
        return Command(name: definition.name, abstract: definition.summary, options: options) { invocation in
            let values = invocation.options
            let (level, format) = try CommonOptions.logging(values)
            if invocation.isProcessMain { ProcessSetup.bootstrapLogging(level: level, format: format) }
            var ports: [String: Int] = [:]
            for listener in definition.listeners { ports[listener.option] = try values.port(listener.option) }
            let launch = ServiceLaunch(
                definition: definition,
                options: values,
                host: values.string(CommonOptions.host.name) ?? "127.0.0.1",
                ports: ports,
                databasePath: definition.migrations == nil ? nil : values.string(CommonOptions.db.name),
                migrate: false,
                synchronous: definition.migrations == nil ? .full : try CommonOptions.synchronousMode(values),
                internalToken: values.string(CommonOptions.internalToken.name).flatMap { $0.isEmpty ? nil : $0 },
                topology: values.topology,
                logger: ProcessSetup.logger(definition.name, level: level)
            )
            let exporter = try TracingSetup.bootstrap(
                values, serviceName: "bugtracker-\(definition.name)", environment: invocation.environment, logger: launch.logger,
                install: invocation.isProcessMain)
            try await ServiceAssembly.run(
                [launch], logger: launch.logger, handlesSignals: invocation.isProcessMain, exporter: exporter)
        }
    }
}
