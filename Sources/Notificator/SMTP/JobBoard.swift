import Synchronization

/// A queue many workers take from: `next` waits for a job, a timeout, or
/// the board closing. Jobs taken are in the order they were put.
final class JobBoard<Job: Sendable>: Sendable {
    private struct State {
        var jobs: [Job] = []
        var head = 0
        var waiters: [UInt64: CheckedContinuation<Job?, Never>] = [:]
        var order: [UInt64] = []
        var nextToken: UInt64 = 0
        var abandoned: Set<UInt64> = []
        var isClosed = false

        mutating func take() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            return job
        }
    }

    private let state = Mutex(State())

    /// Abandoned waits not yet cleared (for tests: none should outlive its wait).
    var abandonedCount: Int { state.withLock { $0.abandoned.count } }

    /// Adds `job`, handing it straight to a waiting worker if there is one.
    /// False when the board is closed.
    func put(_ job: Job) -> Bool {
        let handedTo = state.withLock { state -> CheckedContinuation<Job?, Never>?? in
            guard !state.isClosed else { return .none }
            while !state.order.isEmpty {
                let token = state.order.removeFirst()
                if let waiter = state.waiters.removeValue(forKey: token) { return .some(waiter) }
            }
            state.jobs.append(job)
            return .some(nil)
        }
        switch handedTo {
        case .none: return false
        case .some(.some(let waiter)):
            waiter.resume(returning: job)
            return true
        case .some(.none): return true
        }
    }

    /// The next job; nil after `timeout` (when given), or once closed and empty.
    func next(timeout: Duration? = nil) async -> Job? {
        if let job = state.withLock({ $0.take() }) { return job }
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        return await withTaskGroup(of: Job?.self) { group in
            group.addTask { await self.wait(token: token) }
            if let timeout {
                group.addTask {
                    // Only a timeout that ran out abandons the wait.
                    if (try? await Task.sleep(for: timeout)) != nil { self.abandon(token) }
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The wait may still hand over a job after the timeout won;
            // collect it rather than lose it.
            var taken = first
            for await other in group where taken == nil {
                taken = other
            }
            // Both tasks are done. The timeout and the cancellation may each
            // have abandoned the token; the second left a mark that nothing
            // will read.
            _ = state.withLock { $0.abandoned.remove(token) }
            return taken
        }
    }

    /// Refuses new jobs; waiting workers get nil. Jobs still queued are returned.
    func close() -> [Job] {
        let (waiters, left) = state.withLock { state -> ([CheckedContinuation<Job?, Never>], [Job]) in
            state.isClosed = true
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            state.order.removeAll()
            let left = Array(state.jobs[state.head...])
            state.jobs.removeAll()
            state.head = 0
            return (waiters, left)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        return left
    }

    private func wait(token: UInt64) async -> Job? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Job?, Never>) in
                let immediate = state.withLock { state -> Job?? in
                    if let job = state.take() { return .some(job) }
                    if state.isClosed || state.abandoned.remove(token) != nil { return .some(nil) }
                    state.waiters[token] = continuation
                    state.order.append(token)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            abandon(token)
        }
    }

    private func abandon(_ token: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Job?, Never>? in
            if let waiter = state.waiters.removeValue(forKey: token) { return waiter }
            state.abandoned.insert(token)
            return nil
        }
        waiter?.resume(returning: nil)
    }
}
