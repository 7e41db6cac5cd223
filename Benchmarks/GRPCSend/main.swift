// SendEmail load: `--streams` calls in flight at once (spread over
// `--connections` HTTP/2 connections) for `--seconds`, against a running
// notificator. Prints one JSON line: calls, calls/s, p50, p99 (ms), errors.
//
//   grpc-send-benchmark --port 8802 --token TOKEN [--streams 64] [--connections 4] [--seconds 10]
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NotificatorGRPCAPI
import SwiftProtobuf
import Synchronization

func option(_ name: String, _ fallback: String? = nil) -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count { return arguments[index + 1] }
    guard let fallback else {
        FileHandle.standardError.write(Data("grpc-send-benchmark: --\(name) is required\n".utf8))
        exit(2)
    }
    return fallback
}

let port = Int(option("port"))!
let token = option("token")
let streams = Int(option("streams", "64"))!
let connections = Int(option("connections", "4"))!
let seconds = Double(option("seconds", "10"))!
let warmup = Double(option("warmup", "2"))!

/// Latencies in microseconds, and errors, from every worker.
final class Tally: Sendable {
    private let state = Mutex((latencies: [Int](), errors: 0))
    func record(_ latencies: [Int], errors: Int) {
        state.withLock {
            $0.latencies += latencies
            $0.errors += errors
        }
    }
    var snapshot: (latencies: [Int], errors: Int) { state.withLock { $0 } }
}

let tally = Tally()
var metadata = Metadata()
metadata.addString("Bearer \(token)", forKey: "authorization")
let callMetadata = metadata

try await withThrowingTaskGroup { group in
    for connection in 0..<connections {
        group.addTask {
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            ) { client in
                let notificator = Bugtracker_Notificator_V1_Notificator.Client(wrapping: client)
                let mine = streams / connections + (connection < streams % connections ? 1 : 0)
                try await withThrowingTaskGroup { workers in
                    for worker in 0..<mine {
                        workers.addTask {
                            let clock = ContinuousClock()
                            let start = clock.now
                            let measureFrom = start + .milliseconds(Int(warmup * 1000))
                            let end = measureFrom + .milliseconds(Int(seconds * 1000))
                            var latencies: [Int] = []
                            var errors = 0
                            var sequence = 0
                            while clock.now < end {
                                sequence += 1
                                let request = Bugtracker_Notificator_V1_SendEmailRequest.with {
                                    $0.email = "load\(worker)@example.com"
                                    $0.subject = "Load \(connection).\(worker).\(sequence)"
                                    $0.content = "A message from the gRPC benchmark."
                                }
                                let before = clock.now
                                do {
                                    _ = try await notificator.sendEmail(request, metadata: callMetadata)
                                    if before >= measureFrom {
                                        let elapsed = (clock.now - before).components
                                        latencies.append(Int(elapsed.seconds) * 1_000_000 + Int(elapsed.attoseconds / 1_000_000_000_000))
                                    }
                                } catch {
                                    if before >= measureFrom { errors += 1 }
                                }
                            }
                            tally.record(latencies, errors: errors)
                        }
                    }
                    try await workers.waitForAll()
                }
            }
        }
    }
    try await group.waitForAll()
}

let (latencies, errors) = tally.snapshot
let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
}
let summary: [String: Any] = [
    "calls": sorted.count,
    "calls_per_second": Double(sorted.count) / seconds,
    "p50_ms": percentile(0.50),
    "p99_ms": percentile(0.99),
    "errors": errors,
    "streams": streams,
    "connections": connections,
]
let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
