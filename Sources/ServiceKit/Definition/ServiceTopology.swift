/// Where the services of one running system answer, by name: what options
/// that point at another service (`--users-url`, the notificator's sources)
/// take by default.
///
/// A service run alone sees every service at its default port on
/// 127.0.0.1; `bugtracker dev` gives the ports it was told.
public struct ServiceTopology: Sendable {
    /// Each service's base URL (`http://127.0.0.1:8800`), by name.
    public var urls: [String: String]
    /// The services whose outbox the notificator relays, in the list's order.
    public var outboxSources: [String]
    /// The folder that holds the system's data (`./data`), for defaults
    /// that live in it (the Maildir).
    public var dataDirectory: String

    public init(urls: [String: String], outboxSources: [String], dataDirectory: String = "./data") {
        self.urls = urls
        self.outboxSources = outboxSources
        self.dataDirectory = dataDirectory
    }

    /// The base URL of `service`; a local default when it is not known.
    public func url(of service: String) -> String {
        urls[service] ?? "http://127.0.0.1"
    }
}
