import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The test support the services' tests stand on: a hang or a borrowed port
/// there shows up as a run that never ends (CI's 90 minutes), not as a failure.
@Suite struct ServiceTestingTests {
    @Test(.timeLimit(.minutes(1))) func aServerThatCannotBindItsPortFailsRatherThanWaits() async throws {
        let first = Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger())
        try await first.test(.live) { taken in
            let listening = AsyncStream<Int>.makeStream()
            let second = Application(
                router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: taken.port!)),
                onServerRunning: { listening.continuation.yield($0.localAddress?.port ?? 0) }, logger: quietLogger())
            await #expect(throws: (any Error).self) {
                try await withRunningService(second, listening: listening.stream) { _ in }
            }
        }
    }

    @Test func unusedPortsAreDistinctAndNeverOnesTheKernelHandsOut() throws {
        let range = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let ephemeralLow = try #require(range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        let ports = try (0..<50).map { _ in try unusedPort() }
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { $0 >= 1024 && $0 < ephemeralLow })
    }
}
