import EmbeddedMigrations
import Notificator
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import W3CTraceContext

@Suite struct SQLiteDeliveryRepositoryTests {
    func message(_ id: Int64, to recipient: String = "ann@example.com") -> OutboxMessage {
        OutboxMessage(id: id, topic: "user.welcome", recipient: recipient, subject: "Welcome \(id)", body: "Hi", createdAt: .now())
    }

    func withRepository(_ body: (SQLiteDeliveryRepository) async throws -> Void) async throws {
        try await withMigratedDatabase("notificator") { database in
            try await body(SQLiteDeliveryRepository(database: database))
        }
    }

    @Test func ingestStoresEachMessageOnceAndMovesTheCursor() async throws {
        try await withRepository { repository in
            #expect(try await repository.lastID(for: "users") == 0)
            #expect(try await repository.ingest([message(1), message(2)], from: "users", upTo: 2) == 2)
            // Taken twice (a relay that died before acknowledging): stored once.
            #expect(try await repository.ingest([message(2), message(3)], from: "users", upTo: 3) == 1)
            #expect(try await repository.ingest([message(1)], from: "bugs", upTo: 1) == 1)
            #expect(try await repository.lastID(for: "users") == 3)
            #expect(try await repository.lastID(for: "bugs") == 1)
            let all = try await repository.list(filter: DeliveryFilter(), after: 0, limit: 50)
            #expect(all.items.map { "\($0.source)/\($0.sourceMessageID)" } == ["users/1", "users/2", "users/3", "bugs/1"])
            #expect(all.items.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.nextAttemptAt != nil })
        }
    }

    @Test func aDeliveryKeepsTheTraceOfItsSourceRowOrOfTheGRPCCall() async throws {
        try await withRepository { repository in
            let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            var traced = message(1)
            traced.traceparent = traceparent
            var odd = message(3)
            odd.traceparent = "not a traceparent"
            try await repository.ingest([traced, message(2), odd], from: "bugs", upTo: 3)
            let ingested = try await repository.due(at: .now(), limit: 10, excluding: [])
            // An odd value from a source is dropped, not the batch.
            #expect(ingested.map(\.traceparent) == [traceparent, nil, nil])
            let call = OutgoingRequestIdentity.continuing(requestID: nil, traceparent: traceparent, tracestate: nil)
            let direct = try await RequestScope.$identity.withValue(call) {
                try await repository.enqueue(DirectMail(recipient: "bob@example.com", subject: "Hi", body: "Hello"))
            }
            let stored = try #require(try await repository.get(id: direct.id))
            #expect(stored.traceparent == call.trace.traceParentHeaderValue)
            #expect(stored.traceparent?.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-") == true)
        }
    }

    @Test func theCursorNeverMovesBack() async throws {
        try await withRepository { repository in
            try await repository.ingest([message(5)], from: "users", upTo: 5)
            try await repository.ingest([], from: "users", upTo: 3)
            #expect(try await repository.lastID(for: "users") == 5)
        }
    }

    @Test func dueSentAndFailedFollowTheSchedule() async throws {
        try await withRepository { repository in
            try await repository.ingest([message(1), message(2), message(3)], from: "users", upTo: 3)
            let now = Timestamp.now()
            let due = try await repository.due(at: now, limit: 10, excluding: [])
            #expect(due.map(\.sourceMessageID) == [1, 2, 3])
            #expect(try await repository.due(at: now, limit: 10, excluding: [due[0].id]).count == 2)

            try await repository.markSent(id: due[0].id, at: now)
            try await repository.markFailed(id: due[1].id, error: "421 try later", retryAt: now.adding(.seconds(60)), at: now)
            try await repository.markFailed(id: due[2].id, error: "550 no such user", retryAt: nil, at: now)

            let sent = try #require(try await repository.get(id: due[0].id))
            #expect(sent.status == .sent && sent.attempts == 1 && sent.sentAt == now && sent.nextAttemptAt == nil)
            let retrying = try #require(try await repository.get(id: due[1].id))
            #expect(retrying.status == .pending && retrying.attempts == 1 && retrying.lastError == "421 try later")
            let dead = try #require(try await repository.get(id: due[2].id))
            #expect(dead.status == .dead && dead.lastError == "550 no such user" && dead.nextAttemptAt == nil)

            #expect(try await repository.due(at: now, limit: 10, excluding: []).isEmpty)
            #expect(try await repository.due(at: now.adding(.seconds(61)), limit: 10, excluding: []).map(\.id) == [due[1].id])
            #expect(try await repository.nextDueTime(after: now) == now.adding(.seconds(60)))
            #expect(try await repository.countsByStatus() == [.pending: 1, .sent: 1, .dead: 1])
        }
    }

    @Test func retryRevivesOnlyDeadDeliveries() async throws {
        try await withRepository { repository in
            try await repository.ingest([message(1), message(2)], from: "bugs", upTo: 2)
            let now = Timestamp.now()
            try await repository.markFailed(id: 1, error: "554 rejected", retryAt: nil, at: now)
            let revived = try #require(try await repository.retry(id: 1, at: now))
            #expect(revived.status == .pending && revived.nextAttemptAt == now && revived.lastError == "554 rejected")
            await #expect(throws: DeliveryRepositoryError.notDead(.pending)) { try await repository.retry(id: 2, at: now) }
            #expect(try await repository.retry(id: 99, at: now) == nil)
        }
    }

    @Test func listFilters() async throws {
        try await withRepository { repository in
            try await repository.ingest([message(1, to: "ann@example.com"), message(2, to: "bob@example.com")], from: "users", upTo: 2)
            try await repository.ingest([message(1, to: "ann@example.com")], from: "bugs", upTo: 1)
            try await repository.markSent(id: 1, at: .now())
            let annFromBugs = try await repository.list(
                filter: DeliveryFilter(recipient: "ann@example.com", source: "bugs"), after: 0, limit: 10)
            #expect(annFromBugs.items.map(\.id) == [3])
            let pending = try await repository.list(filter: DeliveryFilter(status: .pending), after: 0, limit: 1)
            #expect(pending.items.map(\.id) == [2] && pending.nextAfterID == 2)
        }
    }
}
