import Logging
import ServiceLifecycle

/// Merges the search index's segments in the background, a bounded step at
/// a time, so that no request pays for merging (migration 0011 turns FTS5's
/// own merging on writes off).
///
/// While there is work it takes steps back to back; each is one write job,
/// queued behind the requests' writes, never holding the writer for long.
/// With nothing to merge it looks again after `idleInterval`.
struct SearchIndexMerger: Service, CustomStringConvertible {
    let repository: SQLiteBugRepository
    let logger: Logger
    /// Index pages written per step: a few milliseconds of the writer.
    var pagesPerStep = 200
    var idleInterval: Duration = .milliseconds(250)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pause: Duration
            do {
                pause = try await repository.mergeSearchIndex(pages: pagesPerStep) ? .zero : idleInterval
            } catch {
                logger.warning("could not merge the search index", metadata: ["error": "\(error)"])
                pause = .seconds(5)
            }
            if pause > .zero { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) } }
        }
    }

    var description: String { "SearchIndexMerger(\(pagesPerStep) pages a step)" }
}
