import Foundation
import Logging
import NIOCore
import SQLiteStore
import ServiceKit
import ServiceLifecycle
import UnixSignals

/// One service to start, and everything the command line decided for it.
struct ServiceLaunch: Sendable {
    var definition: ServiceDefinition
    var options: OptionValues
    var host: String
    /// By listener option (`port`, `grpc-port`).
    var ports: [String: Int]
    /// Nil for a service without a database.
    var databasePath: String?
    /// Apply pending migrations (dev mode) rather than refuse to start.
    var migrate: Bool
    var synchronous: Synchronous
    var internalToken: String?
    var topology: ServiceTopology
    var logger: Logger
}

/// How services are started, alone or together: each database opened and
/// its schema checked (or migrated), each service built from its
/// definition, all of them run in one service group until SIGTERM or SIGINT
/// (or, in tests, until the task is cancelled). The databases come first in
/// the group, so they close after the services that use them have stopped.
enum ServiceAssembly {
    /// `exporter` (span export) runs first in the group, so it stops last
    /// and sends the spans of the requests that finished on shutdown.
    static func run(_ launches: [ServiceLaunch], logger: Logger, handlesSignals: Bool, exporter: (any Service)? = nil) async throws {
        var databases: [Database] = []
        var services: [any Service] = []
        do {
            for launch in launches {
                var database: Database?
                if let migrator = try launch.definition.migrator(), let path = launch.databasePath {
                    let opened = try await ServiceDatabases.open(
                        launch.definition.name, migrator: migrator, path: path, synchronous: launch.synchronous,
                        readers: launch.definition.databaseReaders, migrate: launch.migrate
                    )
                    databases.append(opened)
                    database = opened
                }
                services += try await launch.definition.build(setup(for: launch, database: database))
            }
        } catch {
            for database in databases { await database.close() }
            throw explain(error)
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [exporter].compactMap { $0 } + databases + services,
                gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            throw explain(error)
        }
        logger.notice("stopped")
    }

    private static func setup(for launch: ServiceLaunch, database: Database?) -> ServiceSetup {
        let (name, logger, host) = (launch.definition.name, launch.logger, launch.host)
        let listeners = launch.definition.listeners
        return ServiceSetup(
            name: name,
            options: launch.options,
            host: host,
            ports: launch.ports,
            database: database,
            internalToken: launch.internalToken,
            topology: launch.topology,
            logger: logger,
            metrics: ServiceMetrics(),
            onListening: { option, port in
                let serves = listeners.first { $0.option == option }?.serves ?? "HTTP"
                let what = option == "port" ? "\(name) service" : "\(name) \(serves)"
                let scheme = serves == "HTTP" ? "http" : "grpc"
                logger.notice("\(what) listening", metadata: ["address": "\(scheme)://\(host):\(port)"])
            }
        )
    }

    /// One line for what stops a service from starting.
    static func explain(_ error: any Error) -> any Error {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return CommandFailure("cannot listen: the address is already in use (is another bugtracker running?)")
        }
        if let error = error as? IOError, error.errnoCode == EACCES {
            return CommandFailure("cannot listen: permission denied for that port")
        }
        return error
    }
}
