import Foundation

/// A FIFO handing jobs from async callers to SQLite's own threads, which
/// block on it while it is empty.
///
/// `@unchecked Sendable`: `jobs`, `head` and `isClosed` are only touched with
/// `condition` locked, so every thread sees them whole.
final class JobQueue<Job: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var isClosed = false

    /// Appends `job`; false when the queue is closed.
    func push(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Waits for a job and takes up to `limit` of the waiting ones, oldest
    /// first. Nil once the queue is closed and empty.
    func popBatch(limit: Int) -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count {
            if isClosed { return nil }
            condition.wait()
        }
        let end = min(jobs.count, head + limit)
        let batch = Array(jobs[head..<end])
        head = end
        compact()
        return batch
    }

    /// Waits for a job and takes the oldest. Nil once the queue is closed and
    /// empty.
    func pop() -> Job? {
        popBatch(limit: 1)?.first
    }

    /// Refuses further jobs; the waiting ones are still handed out.
    func close() {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        condition.broadcast()
    }

    private func compact() {
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
    }
}
