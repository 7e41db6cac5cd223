public import Logging
public import ServiceKit

/// A logger that drops everything: tests read responses, not logs.
public func quietLogger(_ label: String = "test") -> Logger {
    Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
}

/// An HTTP configuration for tests: an ephemeral port on 127.0.0.1, a
/// quiet logger.
public func testHTTPConfiguration(
    _ label: String = "test",
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> HTTPServiceConfiguration {
    HTTPServiceConfiguration(host: "127.0.0.1", port: 0, logger: quietLogger(label), onListening: onListening)
}

/// The internal token tests use.
public let testInternalToken = "test-internal-token"
