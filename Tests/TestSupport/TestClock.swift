public import ServiceKit
import Synchronization

/// A clock for repositories under test: each reading is one second after the
/// last, so "later" needs no sleep.
public final class TestClock: Sendable {
    private let milliseconds: Mutex<Int64>

    public init(start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_795_600_000_000)) {
        self.milliseconds = Mutex(start.millisecondsSinceEpoch)
    }

    /// The next reading.
    public func now() -> Timestamp {
        Timestamp(
            millisecondsSinceEpoch: milliseconds.withLock { value in
                defer { value += 1000 }
                return value
            })
    }
}
