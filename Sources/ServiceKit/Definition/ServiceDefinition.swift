public import Logging
public import SQLiteStore
public import ServiceLifecycle

/// Everything the command line needs to know to run a service: its name,
/// ports, migrations and options, and how to build it.
///
/// Each service target exports one; `bugtracker <name>`, `bugtracker dev`
/// and `bugtracker-migrate --service <name>` are made from the list of them,
/// so adding a service is a folder, a target, its migrations and one line
/// in that list.
public struct ServiceDefinition: Sendable {
    /// A port the service listens on: `--port`, or `--grpc-port` beside it.
    public struct Listener: Sendable {
        /// The option naming it (`port`, `grpc-port`); `bugtracker dev`
        /// offers it as `--<service>-<option>`.
        public var option: String
        public var defaultPort: Int
        /// What is served there, for `--help` (`HTTP`, `gRPC`).
        public var serves: String

        public init(option: String = "port", defaultPort: Int, serves: String = "HTTP") {
            self.option = option
            self.defaultPort = defaultPort
            self.serves = serves
        }
    }

    /// The name of its command, its database file and its migrations folder.
    public var name: String
    /// One line for `--help`.
    public var summary: String
    /// The first is the HTTP port other services call.
    public var listeners: [Listener]
    /// Its database's migrations, in order; nil for a service without a
    /// database of its own.
    public var migrations: [Migration]?
    /// Whether it keeps an outbox, which the notificator relays.
    public var hasOutbox: Bool
    /// Reader threads for its database; nil for `DatabaseConfiguration`'s
    /// default, half the processors. A service whose reads are long (full-text
    /// search) asks for more.
    public var databaseReaders: Int?
    /// Its own options, besides those every service takes.
    public var options: [CommandOption]
    /// Builds what runs: its servers and their helpers. The database (when
    /// it has one) is opened and its schema checked before, and closed after.
    public var build: @Sendable (ServiceSetup) async throws -> [any Service]
    /// Commands an operator runs on its database directly (`bugtracker admin …`).
    public var adminCommands: [AdminCommand]
    /// What `bugtracker dev` prints about it once started, given its URL
    /// (how to get a token, say).
    public var devNotes: @Sendable (_ url: String) -> [String]
    /// Where people start (the web pages): `bugtracker dev` prints its
    /// address first.
    public var isFrontDoor: Bool

    public init(
        name: String,
        summary: String,
        listeners: [Listener],
        migrations: [Migration]?,
        hasOutbox: Bool = false,
        databaseReaders: Int? = nil,
        options: [CommandOption] = [],
        adminCommands: [AdminCommand] = [],
        isFrontDoor: Bool = false,
        devNotes: @escaping @Sendable (_ url: String) -> [String] = { _ in [] },
        build: @escaping @Sendable (ServiceSetup) async throws -> [any Service]
    ) {
        self.name = name
        self.summary = summary
        self.listeners = listeners
        self.migrations = migrations
        self.hasOutbox = hasOutbox
        self.databaseReaders = databaseReaders
        self.options = options
        self.adminCommands = adminCommands
        self.devNotes = devNotes
        self.isFrontDoor = isFrontDoor
        self.build = build
    }

    /// The migrator over its migrations; nil without a database.
    public func migrator() throws -> Migrator? {
        try migrations.map { try Migrator(service: name, migrations: $0) }
    }
}

/// A command run on a service's database directly, the service running or
/// not: `bugtracker admin grant-admin EMAIL`.
public struct AdminCommand: Sendable {
    /// A positional argument, for `--help`.
    public struct Argument: Sendable {
        public var name: String
        public var help: String

        public init(_ name: String, help: String) {
            self.name = name
            self.help = help
        }
    }

    public var name: String
    public var abstract: String
    public var arguments: [Argument]
    /// Does the work on the open database, given the arguments; returns the
    /// line to print.
    public var run: @Sendable (_ database: Database, _ arguments: [String]) async throws -> String

    public init(
        name: String, abstract: String, arguments: [Argument] = [],
        run: @escaping @Sendable (_ database: Database, _ arguments: [String]) async throws -> String
    ) {
        self.name = name
        self.abstract = abstract
        self.arguments = arguments
        self.run = run
    }
}

/// What a service is built from: its options, its listening addresses, its
/// opened database, and the process's shared pieces.
public struct ServiceSetup: Sendable {
    /// The service's name.
    public var name: String
    /// Its own options' values.
    public var options: OptionValues
    /// The address to listen on.
    public var host: String
    /// The port of each listener, by its option (`port`, `grpc-port`); 0
    /// asks for any free port.
    public var ports: [String: Int]
    /// Its database, open and at its current schema; nil for a service
    /// without one.
    public var database: Database?
    /// The token service-to-service calls carry; nil closes internal routes.
    public var internalToken: String?
    /// Where the other services answer.
    public var topology: ServiceTopology
    public var logger: Logger
    public var metrics: ServiceMetrics
    /// Called once a listener is bound, with its option and real port.
    public var onListening: @Sendable (_ listener: String, _ port: Int) async -> Void

    public init(
        name: String,
        options: OptionValues,
        host: String,
        ports: [String: Int],
        database: Database?,
        internalToken: String?,
        topology: ServiceTopology,
        logger: Logger,
        metrics: ServiceMetrics,
        onListening: @escaping @Sendable (_ listener: String, _ port: Int) async -> Void = { _, _ in }
    ) {
        self.name = name
        self.options = options
        self.host = host
        self.ports = ports
        self.database = database
        self.internalToken = internalToken
        self.topology = topology
        self.logger = logger
        self.metrics = metrics
        self.onListening = onListening
    }

    /// The database; throws for a service that has none (a definition bug).
    public func requireDatabase() throws -> Database {
        guard let database else { throw OptionError("the \(name) service has no database") }
        return database
    }

    /// The HTTP server's settings for the `port` listener.
    public var http: HTTPServiceConfiguration {
        let onListening = self.onListening
        return HTTPServiceConfiguration(
            host: host, port: ports["port"] ?? 0, logger: logger,
            onListening: { port in await onListening("port", port) }
        )
    }
}
