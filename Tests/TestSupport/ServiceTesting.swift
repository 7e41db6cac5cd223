public import Logging
public import ServiceKit
public import ServiceLifecycle

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

/// Runs `service` as production runs it, in a service group, for the length
/// of `body`, which gets the port `listening` reports once the server is up;
/// then shuts it down gracefully. For servers on a fixed port, which the live
/// test framework cannot give (it always picks its own).
public func withRunningService(
    _ service: some Service, listening: AsyncStream<Int>, _ body: @Sendable (_ port: Int) async throws -> Void
) async throws {
    let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger()))
    try await withThrowingTaskGroup(of: Int?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        // Whichever comes first: the port, or the service's end. A server
        // that cannot bind its port throws out of here; waiting on the port
        // alone would wait forever.
        tasks.addTask {
            var ports = listening.makeAsyncIterator()
            return await ports.next()
        }
        guard let first = try await tasks.next(), let port = first else {
            await group.triggerGracefulShutdown()
            throw TestFailure("the service did not start")
        }
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Polls `condition` every 10 ms until it holds, or fails after `timeout`:
/// for what happens behind a request (a relay, a background fetch).
public func eventually(
    _ what: String,
    timeout: Duration = .seconds(10),
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TestFailure("timed out waiting until \(what)")
}
