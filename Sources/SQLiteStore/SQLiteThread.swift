import Foundation

/// A thread that owns one connection for its whole life: it opens it, serves
/// jobs on it, and closes it. SQLite's blocking calls run here, never on
/// Swift's cooperative pool or an event loop.
enum SQLiteThread {
    /// Starts a thread that opens a connection with `open`, then runs `serve`
    /// on it until `serve` returns, then closes it and leaves `exits`.
    ///
    /// Returns once the connection is open, or throws the error opening it.
    static func start(
        name: String,
        exits: DispatchGroup,
        open: @escaping @Sendable () throws -> Connection,
        serve: @escaping @Sendable (Connection) -> Void
    ) async throws {
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            exits.enter()
            let thread = Thread {
                defer { exits.leave() }
                // Named for `top -H` and profilers (at most 15 bytes on Linux).
                Thread.current.name = String(name.prefix(15))
                let connection: Connection
                do {
                    connection = try open()
                } catch {
                    started.resume(throwing: error)
                    return
                }
                started.resume()
                serve(connection)
                connection.close()
            }
            thread.name = name
            thread.start()
        }
    }
}
