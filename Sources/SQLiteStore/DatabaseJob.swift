/// Work for one of a database's SQLite threads: a body to run on a
/// connection, then a caller to answer.
protocol DatabaseJob: AnyObject, Sendable {
    /// Runs alone on the writer, outside any transaction (migrations).
    var isExclusive: Bool { get }
    /// Runs the body and keeps its result for `succeed()`.
    func run(on connection: Connection) throws
    /// Answers the caller with the kept result.
    func succeed()
    /// Answers the caller with `error`.
    func fail(_ error: any Error)
}

/// A job whose caller awaits a `T`.
///
/// `@unchecked Sendable`: `result` is written and read only by the one SQLite
/// thread running the job, which took it from a `JobQueue` under its lock;
/// the other members are immutable and Sendable.
final class ContinuationJob<T: Sendable>: DatabaseJob, @unchecked Sendable {
    let isExclusive: Bool
    private let body: @Sendable (Connection) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private var result: T?

    init(
        isExclusive: Bool,
        body: @escaping @Sendable (Connection) throws -> T,
        continuation: CheckedContinuation<T, any Error>
    ) {
        self.isExclusive = isExclusive
        self.body = body
        self.continuation = continuation
    }

    func run(on connection: Connection) throws {
        result = try body(connection)
    }

    func succeed() {
        guard let result else {
            preconditionFailure("a database job was answered before its body ran")
        }
        continuation.resume(returning: result)
    }

    func fail(_ error: any Error) {
        continuation.resume(throwing: error)
    }
}
