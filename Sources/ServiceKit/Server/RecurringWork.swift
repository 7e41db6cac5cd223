public import Logging
import ServiceLifecycle

/// Work a service does in the background for as long as it runs, one step at
/// a time: the loop that pruners and the search index's merger share. Each
/// step says how long to wait before the next, so work that found a backlog
/// can come back sooner than work that found nothing. A failed step is
/// logged and tried again after `retryAfter`; a graceful shutdown ends the
/// wait.
public struct RecurringWork: Sendable {
    private let what: String
    private let retryAfter: Duration
    private let logger: Logger
    private let step: @Sendable () async throws -> Duration

    /// - Parameters:
    ///   - what: what a step does, for the log ("prune relayed outbox rows").
    ///   - step: one step; returns the pause before the next.
    public init(_ what: String, retryAfter: Duration, logger: Logger, step: @escaping @Sendable () async throws -> Duration) {
        self.what = what
        self.retryAfter = retryAfter
        self.logger = logger
        self.step = step
    }

    /// Runs steps until the task is cancelled or the service shuts down;
    /// called from the `run()` of the service the work belongs to.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pause: Duration
            do {
                pause = try await step()
            } catch {
                logger.warning("could not \(what)", metadata: ["error": "\(error)"])
                pause = retryAfter
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
