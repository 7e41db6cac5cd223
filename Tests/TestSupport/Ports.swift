import Foundation
import Synchronization

/// A TCP port on 127.0.0.1 that nothing listens on, for a service that is
/// down (and, in some tests, comes up on it later).
///
/// The port is taken from below the kernel's ephemeral range
/// (`ip_local_port_range`), where no server binding port 0 and no outgoing
/// connection is ever put, and each call in the process gets a different
/// one. A port that the kernel handed out once and released (bind to 0,
/// read, close) could go to the next test's server a moment later: a "down"
/// users service then answered, and the test that meant to start one there
/// waited for it forever.
public func unusedPort() throws -> Int {
    for _ in PortRange.shared.ports {
        let port = PortRange.shared.next()
        if isFree(port) { return port }
    }
    throw TestFailure("no free port below the ephemeral range")
}

/// The ports `unusedPort` hands out, in turn from a random start.
private final class PortRange: Sendable {
    static let shared = PortRange()

    /// The 8,000 ports below the ephemeral range, and none below 10,000:
    /// clear of the well-known ports and of the services' own (8080, 88xx).
    let ports: Range<Int>
    private let turn: Atomic<Int>

    private init() {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralLow = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        let high = max(ephemeralLow, 11_000)
        ports = max(10_000, high - 8_000)..<high
        turn = Atomic(Int.random(in: 0..<ports.count))
    }

    func next() -> Int {
        ports.lowerBound + turn.wrappingAdd(1, ordering: .relaxed).oldValue % ports.count
    }
}

/// Whether `port` on 127.0.0.1 can be bound now (not even left in TIME_WAIT).
private func isFree(_ port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return bound == 0
}
