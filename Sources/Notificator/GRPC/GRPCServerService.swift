import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOSSL
import ServiceKit
import ServiceLifecycle

/// A gRPC server as a member of the service group: it serves until the
/// group shuts down gracefully, then takes no new calls and lets those in
/// flight finish before `run` returns.
struct GRPCServerService<Transport: ServerTransport>: Service {
    let server: GRPCServer<Transport>
    /// Reports the bound port once listening (the HTTP/2 transport's
    /// address); nil for transports without one (in-process).
    let boundPort: (@Sendable () async throws -> Int)?
    let onListening: @Sendable (Int) async -> Void

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        try await server.serve()
                    } catch let error as RuntimeError {
                        // A port in use, say: the cause is what a person needs.
                        throw error.cause ?? error
                    }
                }
                if let boundPort, let port = try? await boundPort() {
                    await onListening(port)
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

extension GRPCServerService where Transport == HTTP2ServerTransport.Posix {
    /// Serves `services` over HTTP/2 on `host`:`port` (0: any free port),
    /// plaintext or with `tls`.
    init(
        host: String, port: Int, tls: GRPCTLSFiles?, services: [any RegistrableRPCService], interceptors: [any ServerInterceptor],
        onListening: @escaping @Sendable (Int) async -> Void
    ) {
        let address: GRPCNIOTransportCore.SocketAddress =
            host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host == "localhost" ? "127.0.0.1" : host, port: port)
        let security: HTTP2ServerTransport.Posix.TransportSecurity =
            if let tls {
                .tls(certificateChain: [.file(path: tls.certificatePath, format: .pem)], privateKey: .file(path: tls.keyPath, format: .pem))
            } else {
                .plaintext
            }
        let transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: security)
        self.init(
            server: GRPCServer(transport: transport, services: services, interceptors: interceptors),
            boundPort: {
                let address = try await transport.listeningAddress
                return address.ipv4?.port ?? address.ipv6?.port ?? 0
            },
            onListening: onListening
        )
    }
}

/// `--grpc-tls-cert` and `--grpc-tls-key`: PEM files.
public struct GRPCTLSFiles: Sendable, Hashable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// From the two options: nil when neither is given; an `OptionError`
    /// when only one is, or when a file cannot be read as PEM, so a bad
    /// setup stops the start rather than the first handshake.
    init?(certificate: String?, key: String?) throws {
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            do {
                _ = try NIOSSLCertificate.fromPEMFile(certificate)
            } catch {
                throw OptionError("--grpc-tls-cert \(certificate) is not a readable PEM certificate")
            }
            do {
                _ = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw OptionError("--grpc-tls-key \(key) is not a readable PEM private key")
            }
            self.init(certificatePath: certificate, keyPath: key)
        default:
            throw OptionError("--grpc-tls-cert and --grpc-tls-key go together: give both, or neither for plaintext")
        }
    }
}
