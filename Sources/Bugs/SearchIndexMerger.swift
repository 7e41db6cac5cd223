import Logging
import ServiceKit
import ServiceLifecycle

/// Merges the search index's segments in the background, a bounded step at
/// a time, so that no request pays for merging (migration 0011 turns FTS5's
/// own merging on writes off).
///
/// While there is work it takes a step every `busyInterval`; each is one
/// write job, queued behind the requests' writes, never holding the writer
/// for long, and the pause between steps leaves the writer and the cores to
/// requests (merging at a million bugs rewrites hundreds of megabytes).
/// With nothing to merge it looks again after `idleInterval`.
struct SearchIndexMerger: Service, CustomStringConvertible {
    let repository: SQLiteBugRepository
    let logger: Logger
    /// Index pages written per step: a millisecond or two of the writer.
    var pagesPerStep = 100
    var busyInterval: Duration = .milliseconds(5)
    var idleInterval: Duration = .milliseconds(250)

    func run() async throws {
        try await RecurringWork("merge the search index", retryAfter: .seconds(5), logger: logger) {
            try await repository.mergeSearchIndex(pages: pagesPerStep) ? busyInterval : idleInterval
        }.run()
    }

    var description: String { "SearchIndexMerger(\(pagesPerStep) pages a step)" }
}
