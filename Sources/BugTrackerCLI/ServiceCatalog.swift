import Bugs
import Notificator
public import ServiceKit
import Users
import Web

/// The services of the bug tracker: the one list that names them. Every
/// command (`bugtracker <service>`, `bugtracker dev`, `bugtracker-migrate
/// --service`) is made from it.
public enum ServiceCatalog {
    public static let all: [ServiceDefinition] = [
        UsersService.definition,
        BugsService.definition(users: UsersService.definition),
        NotificatorService.definition(users: UsersService.definition),
        WebService.definition(users: UsersService.definition, bugs: BugsService.definition(users: UsersService.definition)),
    ]

    /// Where the services of `catalog` answer when each runs alone on its
    /// default port.
    public static func standaloneTopology(_ catalog: [ServiceDefinition]) -> ServiceTopology {
        topology(catalog, host: "127.0.0.1", dataDirectory: "./data") { $0.listeners.first?.defaultPort ?? 0 }
    }

    /// Where the services of `catalog` answer on `host`, each on the port
    /// `port` gives it.
    static func topology(
        _ catalog: [ServiceDefinition], host: String, dataDirectory: String, port: (ServiceDefinition) -> Int
    ) -> ServiceTopology {
        var urls: [String: String] = [:]
        for definition in catalog { urls[definition.name] = "http://\(host):\(port(definition))" }
        return ServiceTopology(urls: urls, outboxSources: catalog.filter(\.hasOutbox).map(\.name), dataDirectory: dataDirectory)
    }

    /// The names, for messages: `users, bugs or notificator`.
    static func names(_ catalog: [ServiceDefinition]) -> String {
        let names = catalog.map(\.name)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
