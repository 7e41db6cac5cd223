import Logging
import ServiceKit

extension HTTPServiceConfiguration {
    /// A service's HTTP settings that log one notice with its address once
    /// it listens (the port is the real one when 0 was asked for).
    static func announcing(_ name: String, host: String, port: Int, logger: Logger) -> HTTPServiceConfiguration {
        HTTPServiceConfiguration(
            host: host, port: port, logger: logger,
            onListening: { port in
                logger.notice("\(name) listening", metadata: ["address": "http://\(host):\(port)"])
            }
        )
    }
}
