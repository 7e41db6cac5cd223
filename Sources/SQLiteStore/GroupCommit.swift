/// Runs a batch of write jobs as one SQLite transaction with one commit.
///
/// The jobs first run one after another in the transaction, without
/// savepoints. Should one throw, the whole transaction is rolled back and
/// the others run again in a fresh one, each in its own savepoint this time,
/// so that a job that throws then is rolled back alone. Every caller is
/// answered only after the transaction has ended: a success means the write
/// is as durable as `synchronous` makes it, and a failure caused by another
/// job of the batch (a UNIQUE key it took) finds that job's write visible
/// when it reads.
///
/// Why not a savepoint per job from the start: a savepoint costs two
/// statements and a copy of every page its job changes (its journal), and
/// FTS5 writes out the index changes it holds in memory at each one. Without
/// them the writer's CPU per users create went from 45 to 40 µs, per bugs
/// create from 93 to 85 µs (README, Performance, "One read before a comment,
/// and savepoints only after a failure"). Writes that fail are rare (a taken
/// key, a stale version), and a batch with such failures runs at most twice.
enum GroupCommit {
    static func run(_ jobs: [any DatabaseJob], on connection: Connection) {
        var pending = jobs[...]
        // Jobs that threw, answered once the transaction has ended, on
        // every way out.
        var refused: [(job: any DatabaseJob, error: any Error)] = []
        defer { for (job, error) in refused { job.fail(error) } }
        var isolated = false
        attempt: while !pending.isEmpty {
            do {
                try connection.execute("BEGIN IMMEDIATE")
            } catch {
                for job in pending { job.fail(error) }
                return
            }
            // One job needs no savepoint: its failure rolls back everything.
            let savepoints = isolated && pending.count > 1
            var included: [any DatabaseJob] = []
            var index = pending.startIndex
            while index < pending.endIndex {
                let job = pending[index]
                index += 1
                // Its caller went away while it waited: it never runs.
                guard job.begin(on: connection) else { continue }
                do {
                    if savepoints { try connection.execute("SAVEPOINT job") }
                    try job.run(on: connection)
                    if savepoints { try connection.execute("RELEASE job") }
                    included.append(job)
                } catch {
                    if savepoints && connection.isInTransaction && rollBackSavepoint(on: connection) {
                        refused.append((job, error))
                        continue
                    }
                    // Without savepoints, or when SQLite ended the whole
                    // transaction (a full disk, an I/O error) or the
                    // savepoint would not roll back: the jobs before this one
                    // lost their work, so run them again in a fresh
                    // transaction, without this one, each in a savepoint.
                    connection.rollback()
                    refused.append((job, error))
                    pending = (included + pending[index...])[...]
                    isolated = true
                    continue attempt
                }
            }
            guard !included.isEmpty else {
                connection.rollback()
                return
            }
            do {
                try connection.execute("COMMIT")
            } catch {
                connection.rollback()
                for job in included { job.fail(error) }
                return
            }
            for job in included { job.succeed() }
            return
        }
    }

    private static func rollBackSavepoint(on connection: Connection) -> Bool {
        do {
            try connection.execute("ROLLBACK TO job")
            try connection.execute("RELEASE job")
            return true
        } catch {
            return false
        }
    }
}
