import Foundation
import GRPCCore
import GRPCInProcessTransport
import Identity
import Logging
import NotificatorGRPCAPI
import Outbox
import SQLiteStore
import ServiceKit
import SwiftProtobuf
import Synchronization
import TestSupport
import Testing

@testable import Notificator

typealias SendEmailRequest = Bugtracker_Notificator_V1_SendEmailRequest
typealias NotificatorClient = Bugtracker_Notificator_V1_Notificator.Client<InProcessTransport.Client>
typealias HealthClient = Grpc_Health_V1_Health.Client<InProcessTransport.Client>

/// The notificator's gRPC API over grpc-swift's in-process transport: every
/// RPC and every status code the contract names.
@Suite struct NotificatorGRPCTests {
    /// What a test gets: clients with the internal token's metadata, the
    /// repository behind the server, and the tokens it accepts.
    struct Fixture: Sendable {
        let notificator: NotificatorClient
        let health: HealthClient
        let deliveries: any DeliveryRepository
        let tokens: TestTokens
        let databaseIsCurrent: Flag

        var service: Metadata { Self.bearer(testInternalToken) }

        static func bearer(_ token: String) -> Metadata {
            var metadata = Metadata()
            metadata.addString("Bearer \(token)", forKey: "authorization")
            return metadata
        }

        func mail(_ email: String = "ann@example.com", content: String = "Hello", subject: String = "Hi", key: String = "")
            -> SendEmailRequest
        {
            .with {
                $0.email = email
                $0.content = content
                $0.subject = subject
                $0.idempotencyKey = key
            }
        }
    }

    /// A server on `deliveries` (a migrated database's, unless given) and
    /// clients to it, in process, for the length of `test`.
    func withGRPC(
        deliveries given: (any DeliveryRepository)? = nil,
        logger: Logger = quietLogger(),
        _ test: @escaping @Sendable (Fixture) async throws -> Void
    ) async throws {
        try await withMigratedDatabase("notificator") { database in
            let deliveries = given ?? SQLiteDeliveryRepository(database: database)
            let tokens = await TestTokens()
            let current = Flag()
            let rpcs = NotificatorRPCs(
                deliveries: deliveries,
                authenticator: BearerAuthenticator(
                    internalToken: InternalToken(testInternalToken), verifier: TokenVerifier(source: tokens)),
                databaseIsCurrent: { current.value },
                logger: logger
            )
            let transport = InProcessTransport()
            let server = GRPCServer(transport: transport.server, services: rpcs.services, interceptors: rpcs.interceptors)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                try await withGRPCClient(transport: transport.client) { client in
                    let fixture = Fixture(
                        notificator: NotificatorClient(wrapping: client), health: HealthClient(wrapping: client),
                        deliveries: deliveries, tokens: tokens, databaseIsCurrent: current
                    )
                    try await test(fixture)
                }
                server.beginGracefulShutdown()
            }
        }
    }

    /// The status code a call ends with: `.ok` when it succeeds.
    func code(_ call: () async throws -> some Any) async -> (RPCError.Code?, String) {
        do {
            _ = try await call()
            return (nil, "")
        } catch let error as RPCError {
            return (error.code, error.message)
        } catch {
            return (.unknown, "\(error)")
        }
    }

    @Test func sendEmailAnswersTheIDOfAStoredPendingDelivery() async throws {
        try await withGRPC { grpc in
            let answer = try await grpc.notificator.sendEmail(grpc.mail(content: "  The build is green.\n"), metadata: grpc.service)
            let delivery = try #require(try await grpc.deliveries.get(id: answer.id))
            #expect(delivery.source == "grpc")
            #expect(delivery.sourceMessageID == 1)
            #expect(delivery.topic == "send_email")
            #expect(delivery.recipient == "ann@example.com")
            #expect(delivery.subject == "Hi")
            #expect(delivery.body == "The build is green.")
            #expect(delivery.status == .pending)
            #expect(delivery.messageID.hasPrefix("<grpc.1.") && delivery.messageID.hasSuffix("@bugtracker>"))
            let second = try await grpc.notificator.sendEmail(grpc.mail(), metadata: grpc.service)
            #expect(second.id != answer.id)
            #expect(try await grpc.deliveries.get(id: second.id)?.sourceMessageID == 2)
        }
    }

    @Test func aCallsLogLinesCarryTheCallersRequestIDAndTrace() async throws {
        let capture = LogCapture()
        try await withGRPC(logger: capture.logger(metadataProvider: .requestIdentity)) { grpc in
            var metadata = grpc.service
            metadata.addString("from-the-caller-7", forKey: "x-request-id")
            metadata.addString("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", forKey: "traceparent")
            _ = try await grpc.notificator.sendEmail(grpc.mail(), metadata: metadata)
            _ = try await grpc.notificator.sendEmail(grpc.mail("bob@example.com"), metadata: grpc.service)
        }
        let queued = capture.text.split(separator: "\n").filter { $0.contains("mail queued over gRPC") }
        #expect(queued.count == 2)
        #expect(queued.first?.contains("request_id=from-the-caller-7") == true)
        #expect(queued.first?.contains("trace_id=4bf92f3577b34da6a3ce929d0e0e4736") == true)
        // Without them, the call gets ids of its own.
        #expect(queued.last?.contains("request_id=") == true && queued.last?.contains("4bf92f3577b34da6a3ce929d0e0e4736") == false)
    }

    @Test func anEmptySubjectIsNoSubject() async throws {
        try await withGRPC { grpc in
            let answer = try await grpc.notificator.sendEmail(grpc.mail(subject: "  "), metadata: grpc.service)
            #expect(try await grpc.deliveries.get(id: answer.id)?.subject == "(no subject)")
        }
    }

    @Test func theSameIdempotencyKeyAnswersTheSameDeliveryOnce() async throws {
        try await withGRPC { grpc in
            let first = try await grpc.notificator.sendEmail(grpc.mail(key: "order-7"), metadata: grpc.service)
            let again = try await grpc.notificator.sendEmail(grpc.mail(key: "order-7"), metadata: grpc.service)
            #expect(again.id == first.id)
            let other = try await grpc.notificator.sendEmail(grpc.mail(key: "order-8"), metadata: grpc.service)
            #expect(other.id != first.id)
            let stored = try await grpc.deliveries.list(filter: DeliveryFilter(source: "grpc"), after: 0, limit: 10)
            #expect(stored.items.map(\.id) == [first.id, other.id])
            // The key with another mail is a mistake, not a new mail.
            let (code, message) = await code {
                try await grpc.notificator.sendEmail(grpc.mail(content: "Else", key: "order-7"), metadata: grpc.service)
            }
            #expect(code == .invalidArgument)
            #expect(message.contains("idempotency_key"))
            #expect(try await grpc.deliveries.list(filter: DeliveryFilter(source: "grpc"), after: 0, limit: 10).items.count == 2)
        }
    }

    @Test(arguments: [
        ("", "Hello", "Hi", "", "email"),
        ("not an address", "Hello", "Hi", "", "email"),
        ("ann@example.com\r\nBcc: eve@example.com", "Hello", "Hi", "", "email"),
        ("ann@example.com", "", "Hi", "", "content"),
        ("ann@example.com", " \n\t ", "Hi", "", "content"),
        ("ann@example.com", "NUL \u{0} inside", "Hi", "", "content"),
        ("ann@example.com", "Hello", "Two\r\nBcc: eve@example.com", "", "subject"),
        ("ann@example.com", "Hello", String(repeating: "s", count: 201), "", "subject"),
        ("ann@example.com", "Hello", "Hi", String(repeating: "k", count: 256), "idempotency_key"),
        ("ann@example.com", "Hello", "Hi", "key\nwith a line", "idempotency_key"),
    ])
    func aBadArgumentIsInvalidArgumentNamingTheFieldAndStoresNothing(
        email: String, content: String, subject: String, key: String, field: String
    ) async throws {
        try await withGRPC { grpc in
            let (code, message) = await code {
                try await grpc.notificator.sendEmail(grpc.mail(email, content: content, subject: subject, key: key), metadata: grpc.service)
            }
            #expect(code == .invalidArgument)
            #expect(message.hasPrefix(field + " "), "\(message)")
            let stored = try await grpc.deliveries.list(filter: DeliveryFilter(), after: 0, limit: 10)
            #expect(stored.items.isEmpty)
        }
    }

    @Test func contentIsAtMostAHundredThousandCharacters() async throws {
        try await withGRPC { grpc in
            let longest = String(repeating: "é", count: 100_000)
            let answer = try await grpc.notificator.sendEmail(grpc.mail(content: longest), metadata: grpc.service)
            #expect(try await grpc.deliveries.get(id: answer.id)?.body == longest)
            let (code, message) = await code {
                try await grpc.notificator.sendEmail(grpc.mail(content: longest + "é"), metadata: grpc.service)
            }
            #expect(code == .invalidArgument)
            #expect(message == "content must be at most 100000 characters")
        }
    }

    @Test func getDeliveryAnswersOneOrNotFound() async throws {
        try await withGRPC { grpc in
            let sent = try await grpc.notificator.sendEmail(grpc.mail(subject: "Build"), metadata: grpc.service)
            let delivery = try await grpc.notificator.getDelivery(.with { $0.id = sent.id }, metadata: grpc.service)
            #expect(delivery.id == sent.id)
            #expect(delivery.recipient == "ann@example.com")
            #expect(delivery.subject == "Build")
            #expect(delivery.status == "pending")
            #expect(delivery.attempts == 0)
            #expect(delivery.lastError == "")
            try await grpc.deliveries.markFailed(
                id: sent.id, error: "550 5.1.1 <ann@example.com>: Recipient address rejected", retryAt: nil, at: .now())
            let dead = try await grpc.notificator.getDelivery(.with { $0.id = sent.id }, metadata: grpc.service)
            #expect(dead.status == "dead")
            #expect(dead.attempts == 1)
            #expect(dead.lastError == "550 5.1.1 <ann@example.com>: Recipient address rejected")

            let (missing, message) = await code { try await grpc.notificator.getDelivery(.with { $0.id = 999 }, metadata: grpc.service) }
            #expect(missing == .notFound)
            #expect(message == "no delivery with id 999")
            let (zero, _) = await code { try await grpc.notificator.getDelivery(.with { $0.id = 0 }, metadata: grpc.service) }
            #expect(zero == .invalidArgument)
        }
    }

    @Test func onlyTheInternalTokenAndAdminsMayCall() async throws {
        try await withGRPC { grpc in
            let member = Fixture.bearer(try await grpc.tokens.token(for: 2, role: .member))
            let admin = Fixture.bearer(try await grpc.tokens.token(for: 1, role: .admin))
            var basic = Metadata()
            basic.addString("Basic YW5uOnB3", forKey: "authorization")
            let cases: [(Metadata, RPCError.Code?)] = [
                ([:], .unauthenticated),
                (Fixture.bearer("not-the-token"), .unauthenticated),
                (basic, .unauthenticated),
                (member, .permissionDenied),
                (admin, nil),
                (grpc.service, nil),
            ]
            for (metadata, expected) in cases {
                let (sent, _) = await code { try await grpc.notificator.sendEmail(grpc.mail(), metadata: metadata) }
                #expect(sent == expected, "\(metadata)")
                let (read, _) = await code { try await grpc.notificator.getDelivery(.with { $0.id = 1 }, metadata: metadata) }
                #expect(read == expected, "\(metadata)")
            }
            // Two were stored: the admin's and the internal token's.
            #expect(try await grpc.deliveries.list(filter: DeliveryFilter(), after: 0, limit: 10).items.count == 2)
        }
    }

    @Test func healthIsOpenAndFollowsTheDatabase() async throws {
        try await withGRPC { grpc in
            for service in ["", "bugtracker.notificator.v1.Notificator"] {
                let answer = try await grpc.health.check(.with { $0.service = service })
                #expect(answer.status == .serving)
            }
            let (unknown, _) = await code { try await grpc.health.check(.with { $0.service = "no.such.Service" }) }
            #expect(unknown == .notFound)
            grpc.databaseIsCurrent.value = false
            #expect(try await grpc.health.check(.init()).status == .notServing)

            // Watch: the status at once, then its change.
            let seen = try await grpc.health.watch(.init()) { response in
                var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                for try await message in response.messages {
                    statuses.append(message.status)
                    if statuses.count == 1 { grpc.databaseIsCurrent.value = true }
                    if statuses.count == 2 { break }
                }
                return statuses
            }
            #expect(seen == [.notServing, .serving])
        }
    }

    @Test func storageThatCannotBeWrittenIsUnavailable() async throws {
        try await withGRPC(deliveries: FullDiskDeliveries()) { grpc in
            let (sent, message) = await code { try await grpc.notificator.sendEmail(grpc.mail(), metadata: grpc.service) }
            #expect(sent == .unavailable)
            #expect(!message.contains("disk is full") && !message.contains(".db"))
            let (read, _) = await code { try await grpc.notificator.getDelivery(.with { $0.id = 1 }, metadata: grpc.service) }
            #expect(read == .unavailable)
        }
    }
}

/// A switch tests flip while the server reads it.
final class Flag: Sendable {
    private let state = Mutex(true)
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// Deliveries on a disk that is full: every call fails as SQLite does then.
struct FullDiskDeliveries: DeliveryRepository {
    var full: SQLiteError { SQLiteError(code: .full, message: "database or disk is full") }
    func enqueue(_ mail: DirectMail) async throws -> (id: Int64, created: Bool) { throw full }
    func ingest(_ messages: [OutboxMessage], from source: String, upTo lastID: Int64) async throws -> Int { throw full }
    func due(at time: Timestamp, limit: Int, excluding excluded: Set<Int64>) async throws -> [Delivery] { throw full }
    func nextDueTime(after time: Timestamp) async throws -> Timestamp? { throw full }
    func markSent(id: Int64, at time: Timestamp) async throws { throw full }
    func markFailed(id: Int64, error: String, retryAt: Timestamp?, at time: Timestamp) async throws { throw full }
    func get(id: Int64) async throws -> Delivery? { throw full }
    func list(filter: DeliveryFilter, after id: Int64, limit: Int) async throws -> Page<Delivery> { throw full }
    func retry(id: Int64, at time: Timestamp) async throws -> Delivery? { throw full }
    func countsByStatus() async throws -> [DeliveryStatus: Int] { throw full }
    func prune(finishedBefore time: Timestamp, limit: Int) async throws -> Int { throw full }
}
