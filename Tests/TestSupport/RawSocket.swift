import Foundation
import NIOPosix

/// A plain blocking TCP client socket, for tests that must misbehave.
///
/// Its calls block, so tests make them through the async wrappers, which run
/// them on NIO's thread pool: blocked on Swift's cooperative pool (two
/// threads on a 2-core machine), they would starve the server under test.
///
/// `@unchecked Sendable`: its one stored property, the descriptor, is set
/// once; a test uses the socket from one task at a time.
public final class RawSocket: @unchecked Sendable {
    private let descriptor: Int32

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to port \(port)") }
    }

    /// Sends `text`, off the cooperative pool.
    public func send(_ text: String) async throws {
        try await NIOThreadPool.singleton.runIfActive { try self.blockingSend(text) }
    }

    private func blockingSend(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, 0) }
            guard sent > 0 else { throw TestFailure("send failed after \(offset) bytes") }
            offset += sent
        }
    }

    /// Whether the peer closes the connection within `timeout`, off the
    /// cooperative pool.
    public func waitForClose(timeout: Duration) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { self.blockingWaitForClose(timeout: timeout) }
    }

    private func blockingWaitForClose(timeout: Duration) -> Bool {
        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// Sends `text`, then reads until the peer closes or `timeout` passes:
    /// everything the server answered. Off the cooperative pool.
    public func exchange(_ text: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { try self.blockingExchange(text, timeout: timeout) }
    }

    private func blockingExchange(_ text: String, timeout: Duration) throws -> String {
        try blockingSend(text)
        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    public func close() {
        Foundation.close(descriptor)
    }
}
