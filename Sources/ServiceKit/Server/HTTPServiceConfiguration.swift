public import Logging

/// Where and how a service's HTTP server listens.
public struct HTTPServiceConfiguration: Sendable {
    /// The address to bind: 127.0.0.1 by default, 0.0.0.0 in containers.
    public var host: String
    /// The port; 0 picks a free one (tests).
    public var port: Int
    /// The service's logger; requests log through it with their ids.
    public var logger: Logger
    /// An idle keep-alive connection is closed after this long.
    public var idleTimeout: Duration
    /// Called with the bound port once the server listens.
    public var onListening: @Sendable (Int) async -> Void

    public init(
        host: String = "127.0.0.1",
        port: Int,
        logger: Logger,
        idleTimeout: Duration = .seconds(60),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.logger = logger
        self.idleTimeout = idleTimeout
        self.onListening = onListening
    }
}
