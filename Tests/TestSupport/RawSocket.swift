import Foundation

/// A plain blocking TCP client socket, for tests that must misbehave.
public final class RawSocket {
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

    public func send(_ text: String) throws {
        guard !text.isEmpty else { return }
        let sent = text.utf8CString.withUnsafeBufferPointer { Foundation.send(descriptor, $0.baseAddress, text.utf8.count, 0) }
        guard sent == text.utf8.count else { throw TestFailure("send failed") }
    }

    /// Whether the peer closes the connection within `timeout`.
    public func waitForClose(timeout: Duration) -> Bool {
        var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    public func close() {
        Foundation.close(descriptor)
    }
}
