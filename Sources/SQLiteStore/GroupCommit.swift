/// Runs a batch of write jobs as one SQLite transaction with one commit.
///
/// Each job runs in its own savepoint, so one that throws is rolled back
/// alone and its caller alone gets the error. Every caller is answered only
/// after the transaction has ended: a success means the write is as durable
/// as `synchronous` makes it, and a failure caused by another job of the
/// batch (a UNIQUE key it took) finds that job's write visible when it reads.
enum GroupCommit {
    static func run(_ jobs: [any DatabaseJob], on connection: Connection) {
        var pending = jobs[...]
        attempt: while !pending.isEmpty {
            do {
                try connection.execute("BEGIN IMMEDIATE")
            } catch {
                for job in pending { job.fail(error) }
                return
            }
            // One job needs no savepoint: its failure rolls back everything.
            let isolated = pending.count > 1
            var included: [any DatabaseJob] = []
            var refused: [(job: any DatabaseJob, error: any Error)] = []
            var index = pending.startIndex
            while index < pending.endIndex {
                let job = pending[index]
                index += 1
                // Its caller went away while it waited: it never runs.
                guard job.begin(on: connection) else { continue }
                do {
                    if isolated { try connection.execute("SAVEPOINT job") }
                    try job.run(on: connection)
                    if isolated { try connection.execute("RELEASE job") }
                    included.append(job)
                } catch {
                    if isolated && connection.isInTransaction && rollBackSavepoint(on: connection) {
                        refused.append((job, error))
                        continue
                    }
                    // SQLite ended the whole transaction (a full disk, an I/O
                    // error) or the savepoint would not roll back: the jobs
                    // before this one lost their work, so run them again in a
                    // fresh transaction, without this one.
                    connection.rollback()
                    for (job, error) in refused { job.fail(error) }
                    job.fail(error)
                    pending = (included + pending[index...])[...]
                    continue attempt
                }
            }
            guard !included.isEmpty else {
                connection.rollback()
                for (job, error) in refused { job.fail(error) }
                return
            }
            do {
                try connection.execute("COMMIT")
            } catch {
                connection.rollback()
                for (job, error) in refused { job.fail(error) }
                for job in included { job.fail(error) }
                return
            }
            for (job, error) in refused { job.fail(error) }
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
