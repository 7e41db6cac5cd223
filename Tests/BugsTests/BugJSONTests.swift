import Bugs
import ServiceKit
import Testing

/// `Bug.writeJSONMembers` stands in for the synthesized `encode(to:)` on
/// every response; the two must give the same bytes.
@Suite struct BugJSONTests {
    /// Encodes its value through the encoder's containers: it forwards to
    /// the value's `encode(to:)` and is not `JSONObjectWritable` itself.
    struct ThroughContainers<Value: Encodable & Sendable>: Encodable, Sendable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    static let bugs = [
        Bug(
            id: 1, title: "Crash on \"save\"", description: "line one\nline two\t\\ é 😀 \u{1}", status: .inProgress,
            priority: .urgent, labels: ["ui", "v1.2"], reporterID: 7, assigneeID: 9, commentCount: 3,
            createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_123),
            updatedAt: Timestamp(millisecondsSinceEpoch: 1_700_000_500_000),
            version: 4),
        Bug(
            id: 9_007_199_254_740_993, title: "t", description: nil, status: .open, priority: .low, labels: [], reporterID: nil,
            assigneeID: nil, createdAt: Timestamp(millisecondsSinceEpoch: 0), updatedAt: Timestamp(millisecondsSinceEpoch: 0), version: 1),
    ]

    @Test(arguments: bugs) func aBugWritesWhatItsEncodableConformanceWrites(bug: Bug) throws {
        let encoder = OrderedJSONEncoder()
        let written = try encoder.encode(bug)
        #expect(
            String(decoding: written, as: UTF8.self) == String(decoding: try encoder.encode(ThroughContainers(value: bug)), as: UTF8.self))
    }

    @Test func aListOfBugsWritesWhatItsEncodableConformanceWrites() throws {
        let encoder = OrderedJSONEncoder()
        let list = ListResponse(items: Self.bugs, nextCursor: "abc")
        let throughContainers = ListResponse(items: Self.bugs.map { ThroughContainers(value: $0) }, nextCursor: "abc")
        #expect(try encoder.encode(list) == encoder.encode(throughContainers))
    }
}
