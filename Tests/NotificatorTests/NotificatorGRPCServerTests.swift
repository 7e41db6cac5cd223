import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOHTTP1
import NotificatorGRPCAPI
import ServiceKit
import SwiftProtobuf
import TestSupport
import Testing

@testable import Notificator

/// The notificator as it runs: gRPC over HTTP/2 on a real socket beside its
/// HTTP server, plaintext and TLS, and the worker sending what `SendEmail`
/// queued.
@Suite(.timeLimit(.minutes(1))) struct NotificatorGRPCServerTests {
    /// The notificator on a migrated database, serving gRPC (with `tls`
    /// when given) on an ephemeral port, for the length of `body`.
    func withNotificator(
        tls: GRPCTLSFiles? = nil, mailer: RecordingMailer,
        _ body: @Sendable (_ grpcPort: Int, _ httpPort: Int) async throws -> Void
    ) async throws {
        try await withMigratedDatabase("notificator") { database in
            let (httpPorts, httpListening) = AsyncStream.makeStream(of: Int.self)
            let (grpcPorts, grpcListening) = AsyncStream.makeStream(of: Int.self)
            let app = buildNotificatorService(
                database: database,
                options: NotificatorOptions(
                    http: testHTTPConfiguration(onListening: { httpListening.yield($0) }), sources: [],
                    internalToken: testInternalToken, mailer: mailer,
                    grpc: GRPCListener(tls: tls, onListening: { grpcListening.yield($0) })
                )
            )
            try await withRunningService(app, listening: httpPorts) { httpPort in
                var ports = grpcPorts.makeAsyncIterator()
                guard let grpcPort = await ports.next() else { throw TestFailure("gRPC did not start") }
                try await body(grpcPort, httpPort)
            }
        }
    }

    func sendAndFollow(_ client: Bugtracker_Notificator_V1_Notificator.Client<HTTP2ClientTransport.Posix>, mailer: RecordingMailer)
        async throws
    {
        let metadata: Metadata = ["authorization": "Bearer \(testInternalToken)"]
        let request = Bugtracker_Notificator_V1_SendEmailRequest.with {
            $0.email = "ann@example.com"
            $0.subject = "Over the wire"
            $0.content = "Sent over HTTP/2."
            $0.idempotencyKey = "wire-1"
        }
        let first = try await client.sendEmail(request, metadata: metadata)
        let again = try await client.sendEmail(request, metadata: metadata)
        #expect(again.id == first.id)
        try await eventually("the worker sends the mail") {
            try await client.getDelivery(.with { $0.id = first.id }, metadata: metadata).status == "sent"
        }
        #expect(mailer.mails.map(\.subject) == ["Over the wire"])
        #expect(mailer.mails.first?.messageID.hasPrefix("<grpc.1.") == true)
    }

    @Test func aMailQueuedOverHTTP2IsSentOnce() async throws {
        let mailer = RecordingMailer()
        try await withNotificator(mailer: mailer) { grpcPort, httpPort in
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
            ) { client in
                try await sendAndFollow(Bugtracker_Notificator_V1_Notificator.Client(wrapping: client), mailer: mailer)
                // The health service answers on the same port.
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                #expect(try await health.check(.init()).status == .serving)
            }
            // And HTTP, on its own port, shows the delivery.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/deliveries?source=grpc")
            request.headers.add(name: "Authorization", value: "Bearer \(testInternalToken)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(response.status == .ok)
            #expect(body.contains("\"source\":\"grpc\"") && body.contains("\"status\":\"sent\""))
        }
    }

    @Test func withACertificateGRPCIsServedOverTLS() async throws {
        try await withTemporaryDirectory("bugtracker-grpc-tls") { directory in
            let certificate = directory.file("cert.pem")
            let key = directory.file("key.pem")
            try TestCertificates.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
            try TestCertificates.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
            let tls = try #require(try GRPCTLSFiles(certificate: certificate, key: key))
            let mailer = RecordingMailer()
            try await withNotificator(tls: tls, mailer: mailer) { grpcPort, _ in
                let security = HTTP2ClientTransport.Posix.TransportSecurity.tls {
                    $0.trustRoots = .certificates([.bytes(Array(TestCertificates.certificatePEM.utf8), format: .pem)])
                }
                try await withGRPCClient(
                    transport: .http2NIOPosix(target: .dns(host: "localhost", port: grpcPort), transportSecurity: security)
                ) { client in
                    try await sendAndFollow(Bugtracker_Notificator_V1_Notificator.Client(wrapping: client), mailer: mailer)
                }
                // A plaintext client gets nowhere.
                try await withGRPCClient(
                    transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
                ) { client in
                    let health = Grpc_Health_V1_Health.Client(wrapping: client)
                    await #expect(throws: RPCError.self) {
                        try await health.check(.init(), options: .defaults) { _ in }
                    }
                }
            }
        }
    }

    @Test func tlsOptionsGoTogetherAndMustBeReadable() throws {
        #expect(try GRPCTLSFiles(certificate: nil, key: nil) == nil)
        #expect(throws: OptionError.self) { try GRPCTLSFiles(certificate: "/nonexistent/cert.pem", key: nil) }
        #expect(throws: OptionError.self) { try GRPCTLSFiles(certificate: "/nonexistent/cert.pem", key: "/nonexistent/key.pem") }
    }
}
