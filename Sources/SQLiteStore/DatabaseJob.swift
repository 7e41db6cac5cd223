import CSQLite
import Synchronization

/// Work for one of a database's SQLite threads: a body to run on a
/// connection, then a caller to answer.
protocol DatabaseJob: AnyObject, Sendable {
    /// Runs alone on the writer, outside any transaction (migrations).
    var isExclusive: Bool { get }
    /// Called by the thread before `run`: false when the caller has gone
    /// (cancelled while the job waited), in which case the job is skipped.
    func begin(on connection: Connection) -> Bool
    /// Runs the body and keeps its result for `succeed()`.
    func run(on connection: Connection) throws
    /// Answers the caller with the kept result.
    func succeed()
    /// Answers the caller with `error`.
    func fail(_ error: any Error)
    /// The caller has gone: a waiting job is answered with `CancellationError`
    /// and skipped; a running one is interrupted when it may be.
    func cancel()
}

/// Stops the statement a connection is running (`sqlite3_interrupt`).
///
/// `@unchecked Sendable`: `sqlite3_interrupt` is the one SQLite call meant
/// to be made from another thread. It is only made while the job that owns
/// the connection is running, under that job's lock, so the connection is
/// open for the whole call.
struct ConnectionInterrupter: @unchecked Sendable {
    let handle: OpaquePointer

    func interrupt() {
        sqlite3_interrupt(handle)
    }
}

/// A job whose caller awaits a `T`.
final class ContinuationJob<T: Sendable>: DatabaseJob {
    private enum State {
        /// Queued; the continuation comes once the caller is suspended.
        case waiting(CheckedContinuation<T, any Error>?)
        /// On a thread; `interrupter` stops its statement.
        case running(CheckedContinuation<T, any Error>, ConnectionInterrupter)
        /// The body returned; the result waits for the commit.
        case ran(CheckedContinuation<T, any Error>, T)
        /// The caller went away before it ran.
        case cancelled
        /// The caller has been answered.
        case answered
    }

    let isExclusive: Bool
    /// Whether a running job may be interrupted when its caller goes. Writes
    /// may not: they share a transaction with others (group commit), which
    /// an interrupt would roll back for all of them.
    private let isInterruptible: Bool
    private let body: @Sendable (Connection) throws -> T
    private let state = Mutex(State.waiting(nil))

    init(isExclusive: Bool, isInterruptible: Bool, body: @escaping @Sendable (Connection) throws -> T) {
        self.isExclusive = isExclusive
        self.isInterruptible = isInterruptible
        self.body = body
    }

    /// Gives the job its caller. A job cancelled before that answers at once.
    func attach(_ continuation: CheckedContinuation<T, any Error>) {
        let cancelled = state.withLock { state -> Bool in
            if case .cancelled = state { return true }
            state = .waiting(continuation)
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
    }

    func begin(on connection: Connection) -> Bool {
        state.withLock { state in
            switch state {
            // A job that ran may run again: group commit repeats the jobs
            // of a transaction that SQLite rolled back as a whole.
            case .waiting(let continuation?), .running(let continuation, _), .ran(let continuation, _):
                state = .running(continuation, ConnectionInterrupter(handle: connection.handle))
                return true
            case .waiting(nil):
                preconditionFailure("a database job ran before its caller was attached")
            case .cancelled, .answered:
                return false
            }
        }
    }

    func run(on connection: Connection) throws {
        let result = try body(connection)
        state.withLock { state in
            if case .running(let continuation, _) = state { state = .ran(continuation, result) }
        }
    }

    func succeed() {
        let answer = state.withLock { state -> (CheckedContinuation<T, any Error>, T)? in
            guard case .ran(let continuation, let result) = state else { return nil }
            state = .answered
            return (continuation, result)
        }
        guard let (continuation, result) = answer else {
            preconditionFailure("a database job was answered before its body ran")
        }
        continuation.resume(returning: result)
    }

    func fail(_ error: any Error) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .waiting(let continuation):
                state = .answered
                return continuation
            case .running(let continuation, _), .ran(let continuation, _):
                state = .answered
                return continuation
            case .cancelled, .answered:
                return nil
            }
        }
        continuation?.resume(throwing: error)
    }

    func cancel() {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .waiting(let continuation):
                state = .cancelled
                return continuation
            case .running(_, let interrupter) where isInterruptible:
                // Under the lock: the thread cannot finish the job and move
                // its connection on to another one meanwhile.
                interrupter.interrupt()
                return nil
            default:
                return nil
            }
        }
        continuation?.resume(throwing: CancellationError())
    }
}
