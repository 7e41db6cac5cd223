import EmbeddedMigrations
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import W3CTraceContext

@testable import Outbox

@Suite struct OutboxRepositoryTests {
    func draft(_ index: Int) -> MailDraft {
        MailDraft(topic: "test.mail", recipient: "r\(index)@example.com", subject: "Subject \(index)", body: "Body \(index)\nline 2")
    }

    /// Appends mails the way repositories do: through the outbox's writer.
    func append(_ drafts: [MailDraft], to outbox: SQLiteOutboxRepository, in database: Database, at time: Timestamp = .now()) async throws {
        try await outbox.write(at: time) { _, mails in try mails.append(contentsOf: drafts) }
    }

    @Test func readsAfterAnIdInOrderWithALimit() async throws {
        try await withMigratedDatabase(Outbox.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            try await append((1...7).map(draft), to: outbox, in: database)
            let firstPage = try await outbox.messages(after: 0, limit: 3)
            #expect(firstPage.map(\.id) == [1, 2, 3])
            #expect(firstPage[0].recipient == "r1@example.com" && firstPage[0].body == "Body 1\nline 2")
            #expect(try await outbox.messages(after: 3, limit: 10).map(\.id) == [4, 5, 6, 7])
            #expect(try await outbox.messages(after: 7, limit: 10).isEmpty)
        }
    }

    @Test func rowsWrittenInARequestCarryItsTraceAndOthersNone() async throws {
        try await withMigratedDatabase(Outbox.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            let request = OutgoingRequestIdentity.continuing(
                requestID: "r1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: nil)
            try await RequestScope.$identity.withValue(request) {
                try await append([draft(1), draft(2)], to: outbox, in: database)
            }
            try await append([draft(3)], to: outbox, in: database)
            let stored = try await outbox.messages(after: 0, limit: 10)
            // The caller's trace, and the span of the request that wrote them.
            let expected = "00-0af7651916cd43dd8448eb211c80319c-\(request.trace.spanID)-01"
            #expect(stored.map(\.traceparent) == [expected, expected, nil])
            #expect(request.trace.spanID.description != "b7ad6b7169203331")
        }
    }

    @Test func appendInAFailedTransactionLeavesNoRow() async throws {
        struct Failure: Error {}
        try await withMigratedDatabase(Outbox.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            await #expect(throws: Failure.self) {
                try await outbox.write { _, mails in
                    try mails.append(draft(1))
                    throw Failure()
                }
            }
            let stored = try await outbox.messages(after: 0, limit: 10)
            #expect(stored.isEmpty)
        }
    }

    @Test func acknowledgeMarksUpToAnIdAndPruneDeletesOnlyOldRelayedRows() async throws {
        try await withMigratedDatabase(Outbox.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            try await append((1...5).map(draft), to: outbox, in: database)
            #expect(try await outbox.pendingCount() == 5)
            let longAgo = Timestamp.now().adding(.seconds(-10 * 86_400))
            #expect(try await outbox.acknowledge(upTo: 3, at: longAgo) == 3)
            #expect(try await outbox.acknowledge(upTo: 3, at: .now()) == 0)
            #expect(try await outbox.pendingCount() == 2)
            #expect(try await outbox.acknowledge(upTo: 4, at: .now()) == 1)
            // Retention of 7 days: rows 1-3 were relayed ten days ago, row 4 now.
            #expect(try await outbox.prune(relayedBefore: Timestamp.now().adding(.seconds(-7 * 86_400))) == 3)
            #expect(try await outbox.messages(after: 0, limit: 10).map(\.id) == [4, 5])
            // Ids are never reused after a prune: the relay's cursor relies on it.
            try await append([draft(6)], to: outbox, in: database)
            #expect(try await outbox.messages(after: 5, limit: 10).map(\.id) == [6])
        }
    }

    /// Pruning deletes in batches until a batch comes up short: every old
    /// row goes, whether or not their number is a multiple of the batch.
    @Test(arguments: [2, 3, 7])
    func pruneDeletesBatchAfterBatch(batchSize: Int) async throws {
        try await withMigratedDatabase(Outbox.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            try await append((1...8).map(draft), to: outbox, in: database)
            #expect(try await outbox.acknowledge(upTo: 6, at: Timestamp.now().adding(.seconds(-10 * 86_400))) == 6)
            #expect(try await outbox.acknowledge(upTo: 7, at: .now()) == 1)
            let deleted = try await outbox.prune(relayedBefore: Timestamp.now().adding(.seconds(-86_400)), batchSize: batchSize)
            #expect(deleted == 6)
            #expect(try await outbox.messages(after: 0, limit: 10).map(\.id) == [7, 8])
        }
    }

    @Test func theSignalWakesAWaiterWhenARowCommits() async throws {
        try await withMigratedDatabase(Outbox.migrations) { database in
            let outbox = SQLiteOutboxRepository(database: database)
            async let woke = outbox.signal.wait(forIDAbove: 0, timeout: .seconds(10))
            try await Task.sleep(for: .milliseconds(50))
            try await append([draft(1)], to: outbox, in: database)
            #expect(await woke)  // false had the ten seconds run out first
        }
    }

    @Test func theSignalRemembersACommitThatCameBeforeTheWait() async {
        let signal = OutboxSignal()
        signal.committed(upTo: 4)
        #expect(await signal.wait(forIDAbove: 3, timeout: .seconds(10)))
        #expect(await !signal.wait(forIDAbove: 4, timeout: .milliseconds(20)))
    }

    @Test func shutDownReleasesWaiters() async {
        let signal = OutboxSignal()
        // A wait that only a shutdown can end: the test fails on its time
        // limit, not by passing after the wait's own timeout.
        let waiter = Task { await signal.wait(forIDAbove: 0, timeout: .seconds(3600)) }
        while signal.waiterCount == 0 { await Task.yield() }
        signal.shutDown()
        #expect(await !waiter.value)
        #expect(signal.waiterCount == 0)
        #expect(await !signal.wait(forIDAbove: 0, timeout: .seconds(3600)))
    }

    @Test func waitersLeaveNothingBehindHoweverTheyEnd() async {
        let signal = OutboxSignal()
        // Timed out, woken by a commit, and cancelled: each leaves no token.
        #expect(await !signal.wait(forIDAbove: 0, timeout: .milliseconds(1)))
        let woken = Task { await signal.wait(forIDAbove: 0, timeout: .seconds(3600)) }
        while signal.waiterCount == 0 { await Task.yield() }
        signal.committed(upTo: 1)
        #expect(await woken.value)
        let cancelled = Task { await signal.wait(forIDAbove: 5, timeout: .seconds(3600)) }
        while signal.waiterCount == 0 { await Task.yield() }
        cancelled.cancel()
        #expect(await !cancelled.value)
        #expect(signal.waiterCount == 0 && signal.leftoverCount == 0)
    }
}
