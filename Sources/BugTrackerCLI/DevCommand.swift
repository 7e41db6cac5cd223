import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// `bugtracker dev`: the whole system in one process, each service on its
/// own database under `--data-dir`, migrations applied on start.
///
/// Its options are made from the service definitions: `--<service>-port`
/// (and `--<service>-<listener>`) for each listener, and every option a
/// service offers to dev mode (the mail options, say), given to each service
/// that declares it.
enum DevCommand {
    static let name = "dev"

    static let dataDir = CommandOption(
        "data-dir", valueName: "PATH", help: "The folder for the databases and the mail.", default: .value("./data")
    )

    static func command(catalog: [ServiceDefinition]) -> Command {
        var options = [dataDir, CommonOptions.host, CommonOptions.logLevel, CommonOptions.logFormat]
        var internalToken = CommonOptions.internalToken
        internalToken.help = "The token the services use between them (default: a new random one each start, printed)."
        options += [internalToken, CommonOptions.synchronous, TracingSetup.otlpEndpoint]
        for definition in catalog {
            for listener in definition.listeners {
                options.append(
                    CommandOption(
                        portOption(definition, listener), valueName: "PORT",
                        help: "The \(definition.name) service's \(listener.serves) port.", default: .value(String(listener.defaultPort))
                    )
                )
            }
        }
        for option in catalog.flatMap(\.options) where option.inDev && !options.contains(where: { $0.name == option.name }) {
            options.append(option)
        }
        return Command(
            name: name,
            abstract:
                "Run \(ServiceCatalog.names(catalog).replacingOccurrences(of: " or ", with: " and ")) together, on their embedded defaults.",
            options: options
        ) { invocation in
            try await run(invocation, catalog: catalog)
        }
    }

    /// `--users-port`, `--notificator-grpc-port`.
    static func portOption(_ definition: ServiceDefinition, _ listener: ServiceDefinition.Listener) -> String {
        "\(definition.name)-\(listener.option)"
    }

    private static func run(_ invocation: Invocation, catalog: [ServiceDefinition]) async throws {
        let values = invocation.options
        let (level, format) = try CommonOptions.logging(values)
        if invocation.isProcessMain { ProcessSetup.bootstrapLogging(level: level, format: format) }
        let logger = ProcessSetup.logger(name, level: level)
        let dataDirectory = values.string(dataDir.name) ?? "./data"
        try DataDirectory.create(dataDirectory)
        let host = values.string(CommonOptions.host.name) ?? "127.0.0.1"
        let synchronous = try CommonOptions.synchronousMode(values)
        var ports: [String: [String: Int]] = [:]
        for definition in catalog {
            for listener in definition.listeners {
                ports[definition.name, default: [:]][listener.option] = try values.port(portOption(definition, listener))
            }
        }
        // The services reach each other on loopback when listening everywhere.
        let topology = ServiceCatalog.topology(catalog, host: host == "0.0.0.0" ? "127.0.0.1" : host, dataDirectory: dataDirectory) {
            ports[$0.name]?["port"] ?? 0
        }
        // Where people start, before anything else is printed.
        // (With port 0 the address is known only once bound: its listening line says it.)
        for definition in catalog where definition.isFrontDoor && ports[definition.name]?["port"] != 0 {
            FileHandle.standardOutput.write(Data("open \(topology.url(of: definition.name)) in a browser\n".utf8))
        }
        let token: String
        if let given = values.string(CommonOptions.internalToken.name), !given.isEmpty {
            token = given
        } else {
            token = ProcessSetup.randomToken()
            // Printed, not logged: the person at the terminal needs it to
            // call the internal routes; log files never hold it.
            FileHandle.standardOutput.write(Data("internal token for this run: \(token)\n".utf8))
        }
        let launches = catalog.map { definition in
            // Each service sees the dev options it declares, as given to dev.
            var given: [String: [String]] = [:]
            for option in definition.options where option.inDev && values.isGiven(option.name) {
                given[option.name] = values.texts(option.name)
            }
            return ServiceLaunch(
                definition: definition,
                options: OptionValues(options: definition.options, given: given, environment: [:], topology: topology),
                host: host,
                ports: ports[definition.name] ?? [:],
                databasePath: definition.migrations == nil ? nil : DataDirectory.path(of: definition.name, in: dataDirectory),
                migrate: true,
                synchronous: synchronous,
                internalToken: token,
                topology: topology,
                logger: ProcessSetup.logger(definition.name, level: level)
            )
        }
        logger.notice("data in \(dataDirectory); stop with Ctrl-C")
        let notes = catalog.flatMap { $0.devNotes(topology.url(of: $0.name)) }
        if !notes.isEmpty { FileHandle.standardOutput.write(Data((notes.joined(separator: "\n") + "\n").utf8)) }
        let exporter = try TracingSetup.bootstrap(
            values, serviceName: "bugtracker-dev", environment: invocation.environment, logger: logger,
            install: invocation.isProcessMain)
        try await ServiceAssembly.run(launches, logger: logger, handlesSignals: invocation.isProcessMain, exporter: exporter)
    }
}
