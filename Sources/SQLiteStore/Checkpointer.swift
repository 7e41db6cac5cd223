import CSQLite
import Foundation
import Synchronization

/// Copies the write-ahead log back into the database file on a connection
/// and thread of its own, so that the writer never stops to do it.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the log
/// past 1,000 pages: it copies them and fsyncs the file while every write
/// queued behind that commit waits. Here the writer's commit only wakes this
/// thread (`sqlite3_wal_hook`), and the copy runs beside the writer as a
/// `PASSIVE` checkpoint, which never blocks it (measured: users created with
/// `synchronous = FULL` went from 8,800 to 10,300 a second; see README).
///
/// Should this thread fall far behind (readers holding old snapshots keep a
/// passive checkpoint from finishing), the writer checkpoints once the log
/// reaches `hardLimitPages`, as SQLite would on its own, so the log stays
/// bounded.
final class Checkpointer: Sendable {
    /// Log size, in pages, at which the writer wakes the checkpointer.
    let pages: Int32
    /// Log size at which the writer checkpoints itself.
    let hardLimitPages: Int32
    private let wakeUp = DispatchSemaphore(value: 0)
    private let isPending = Atomic<Bool>(false)
    private let isClosed = Atomic<Bool>(false)

    init(pages: Int) {
        let pages = Int32(clamping: max(1, pages))
        self.pages = pages
        self.hardLimitPages = pages > Int32.max / 16 ? Int32.max : pages * 16
    }

    /// Called by the writer after each commit with the log's size in pages.
    /// Wakes the thread at most once per checkpoint it has not yet begun.
    fileprivate func logGrew(to frames: Int32, on writer: OpaquePointer?) {
        guard frames >= pages else { return }
        if !isPending.exchange(true, ordering: .acquiringAndReleasing) {
            wakeUp.signal()
        }
        if frames >= hardLimitPages {
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }

    /// Runs on the checkpointer's own thread until `close()`.
    func serve(on connection: Connection) {
        while true {
            wakeUp.wait()
            if isClosed.load(ordering: .acquiring) { return }
            isPending.store(false, ordering: .releasing)
            // SQLITE_BUSY (the writer is checkpointing at its hard limit) and
            // a log kept in use by a reader only mean "later": the next
            // commit past `pages` wakes this thread again.
            sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }

    /// Ends `serve` once the checkpoint under way, if any, is done.
    func close() {
        isClosed.store(true, ordering: .releasing)
        wakeUp.signal()
    }

    /// Hooks `writer`'s commits to this checkpointer, which turns SQLite's
    /// automatic checkpoint off on it. `writer` holds a reference until
    /// `unhook(_:)`.
    func hook(_ writer: Connection) {
        let context = Unmanaged.passRetained(self).toOpaque()
        sqlite3_wal_hook(
            writer.handle,
            { context, database, _, frames in
                guard let context else { return SQLITE_OK }
                Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().logGrew(to: frames, on: database)
                return SQLITE_OK
            },
            context
        )
    }

    /// Removes the hook `hook(_:)` installed and its reference.
    func unhook(_ writer: Connection) {
        sqlite3_wal_hook(writer.handle, nil, nil)
        Unmanaged.passUnretained(self).release()
    }
}
