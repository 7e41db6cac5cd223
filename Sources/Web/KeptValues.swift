import Synchronization

/// Values kept by key for the pages, up to a capacity; when the next value
/// would pass it, all go at once (each is cheap to make or fetch again, and
/// no order of use is kept to choose among them).
final class KeptValues<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Kept {
        var values: [Key: (value: Value, cost: Int)] = [:]
        var cost = 0
    }

    private let kept = Mutex(Kept())
    private let capacity: Int

    /// - Parameter capacity: the sum of the kept values' costs.
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept under `key`, if any.
    func value(for key: Key) -> Value? {
        kept.withLock { $0.values[key]?.value }
    }

    /// Keeps `value` under `key`, counting `cost` against the capacity; a
    /// value costing more than the whole capacity is not kept.
    func keep(_ value: Value, for key: Key, cost: Int = 1) {
        guard cost <= capacity else { return }
        kept.withLock { kept in
            kept.cost -= kept.values[key]?.cost ?? 0
            if kept.cost + cost > capacity { kept = Kept() }
            kept.values[key] = (value, cost)
            kept.cost += cost
        }
    }
}
