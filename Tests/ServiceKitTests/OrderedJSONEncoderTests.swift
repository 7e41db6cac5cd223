import Foundation
import ServiceKit
import Testing

@Suite struct OrderedJSONEncoderTests {
    struct Inner: Encodable {
        let flag: Bool
        let list: [Int]
    }

    struct Sample: Encodable {
        let id: Int64
        let name: String?
        let score: Double
        let inner: Inner
        let tags: [String]
        let missing: String?

        enum CodingKeys: String, CodingKey {
            case id, name, score, inner, tags, missing, nested
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(score, forKey: .score)
            try container.encode(inner, forKey: .inner)
            try container.encode(tags, forKey: .tags)
            try container.encodeIfPresent(missing, forKey: .missing)
            var nested = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .nested)
            try nested.encode(1, forKey: .id)
        }
    }

    func text(_ value: some Encodable) throws -> String {
        String(decoding: try OrderedJSONEncoder().encode(value), as: UTF8.self)
    }

    @Test func keysComeInTheOrderTheyAreEncoded() throws {
        // encodeIfPresent writes null too: the contract shows every key.
        let sample = Sample(id: 7, name: nil, score: 1.5, inner: Inner(flag: true, list: [1, 2]), tags: ["a", "b"], missing: nil)
        #expect(
            try text(sample)
                == #"{"id":7,"name":null,"score":1.5,"inner":{"flag":true,"list":[1,2]},"tags":["a","b"],"missing":null,"nested":{"id":1}}"#
        )
    }

    /// What `encode(to:)` the compiler writes gives: the CodingKeys' order,
    /// absent optionals as null.
    struct Synthesized: Encodable {
        let id: Int64
        let title: String
        let note: String?
        let count: Int?
        let done: Bool?
        let when: Timestamp?
    }

    /// Says which path wrote it.
    struct SelfWriting: JSONObjectWritable, Sendable {
        enum CodingKeys: String, CodingKey { case via }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("containers", forKey: .via)
        }
        func writeJSONMembers(to writer: inout JSONObjectWriter) {
            writer.member("via", "writer")
            writer.member("missing", String?.none)
            writer.member("id", Int64?.some(-12))
            writer.member("tags", ["a\"b", ""])
            writer.member("at", Timestamp(millisecondsSinceEpoch: 1_000))
        }
    }

    @Test func aSelfWritingValueWritesItselfAtAnyDepth() throws {
        let object = #"{"via":"writer","missing":null,"id":-12,"tags":["a\"b",""],"at":"1970-01-01T00:00:01.000Z"}"#
        #expect(try text(SelfWriting()) == object)
        #expect(try text([SelfWriting(), SelfWriting()]) == "[\(object),\(object)]")
        #expect(try text(ListResponse(items: [SelfWriting()], nextCursor: nil)) == #"{"items":["# + object + #"],"next_cursor":null}"#)
    }

    @Test func synthesizedEncodingWritesEveryKeyInOrder() throws {
        let empty = Synthesized(id: 1, title: "t", note: nil, count: nil, done: nil, when: nil)
        #expect(try text(empty) == #"{"id":1,"title":"t","note":null,"count":null,"done":null,"when":null}"#)
        let full = Synthesized(id: 1, title: "t", note: "n", count: 2, done: true, when: Timestamp(millisecondsSinceEpoch: 0))
        #expect(try text(full) == #"{"id":1,"title":"t","note":"n","count":2,"done":true,"when":"1970-01-01T00:00:00.000Z"}"#)
    }

    @Test func stringsAreEscapedAndReadBackExactly() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} ünïcode 🐛 \r\n"
        let bytes = try OrderedJSONEncoder().encode(["value": hostile])
        let decoded = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]
        #expect(decoded?["value"] == hostile)
        #expect(!bytes.contains(0) && !bytes.contains(0x0A))
    }

    /// Escapes at either end, next to each other and between long plain
    /// runs, which are copied whole; and a string Foundation made.
    @Test func escapesFallExactlyWhereTheCharactersWere() throws {
        let plain = String(repeating: "a", count: 300)
        #expect(try text(["\"" + plain + "\\"]) == "[\"\\\"" + plain + "\\\\\"]")
        #expect(try text(["\n\n\u{1F}x\u{0}"]) == #"["\n\n\u001fx\u0000"]"#)
        #expect(try text(["", "é", "🐛\t"]) == #"["","é","🐛\t"]"#)
        let bridged = NSString(string: "line one\nline \"two\"") as String
        #expect(try text([bridged]) == #"["line one\nline \"two\""]"#)
    }

    @Test func numbersAndEdgeValues() throws {
        #expect(try text([Int64.max, Int64.min]) == "[9223372036854775807,-9223372036854775808]")
        #expect(try text([0, 7, -1, 10, 99, 100, -1000, 1_234_567_890]) == "[0,7,-1,10,99,100,-1000,1234567890]")
        #expect(try text([UInt64.max]) == "[18446744073709551615]")
        #expect(try text([2.0, 0.1]) == "[2,0.1]")
        #expect(throws: OrderedJSONEncoder.Failure.self) { try text([Double.nan]) }
        #expect(try text([String]()) == "[]")
        #expect(try text([Int?.none]) == "[null]")
    }
}
