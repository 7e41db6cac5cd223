import Crypto
import Foundation
import Testing

/// The gRPC code in Sources/NotificatorGRPCAPI/Generated is committed, made
/// by scripts/generate-grpc, which records the SHA-256 of the .proto files
/// it was made from. An edited .proto without regenerated code fails here.
@Suite struct GeneratedGRPCCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theCommittedCodeWasMadeFromTheProtosAsTheyAre() throws {
        let recorded = try String(
            contentsOf: Self.root.appending(path: "Sources/NotificatorGRPCAPI/Generated/protos.sha256"), encoding: .utf8)
        var lines = recorded.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        lines = lines.filter { !$0.isEmpty }
        #expect(lines.count == 2)
        for line in lines {
            let (digest, path) = (String(line[0]), String(line[1]))
            let proto = try Data(contentsOf: Self.root.appending(path: "Protos").appending(path: path))
            let actual = SHA256.hash(data: proto).map { String(format: "%02x", $0) }.joined()
            #expect(actual == digest, "Protos/\(path) changed since the code was generated: run scripts/generate-grpc")
        }
        // Every .proto under Protos/ has its code.
        let protos =
            FileManager.default.enumerator(atPath: Self.root.appending(path: "Protos").path)?
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".proto") }.sorted() ?? []
        #expect(protos == lines.map { String($0[1]) }.sorted())
    }
}
