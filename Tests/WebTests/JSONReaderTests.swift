import Foundation
import ServiceKit
import Testing

@testable import Web

@Suite struct JSONReaderTests {
    func read(_ text: String) throws -> Any {
        try JSONReader.value(Array(text.utf8))
    }

    @Test func anAPIAnswerReadsAsThePagesUseIt() throws {
        let object = try #require(
            try read(
                #" {"id": 7, "title": "Crash", "labels": ["ui", "data-loss"], "assignee_id": null, "score": -1.5e2, "ok": true, "no": false, "nested": {"items": []}} "#
            )
                as? [String: Any])
        #expect(object["id"] as? Int == 7)
        #expect(Presentation.id(object["id"]) == 7)
        #expect(object["title"] as? String == "Crash")
        #expect(object["labels"] as? [String] == ["ui", "data-loss"])
        #expect(object["assignee_id"] is NSNull)
        #expect(object["score"] as? Double == -150)
        #expect(object["ok"] as? Bool == true && object["no"] as? Bool == false)
        #expect((object["nested"] as? [String: Any])?["items"] as? [Any] != nil)
        #expect(try read("9223372036854775807") as? Int == Int.max)
        #expect(try read("92233720368547758080") as? Double == 92_233_720_368_547_758_080)
    }

    @Test func escapesReadBackWhatTheEncoderWrote() throws {
        let hostile = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} ünïcode 🐛 \r\n"
        let bytes = try OrderedJSONEncoder().encode(["value": hostile, "": "empty key"])
        let object = try #require(try JSONReader.value(bytes) as? [String: Any])
        #expect(object["value"] as? String == hostile)
        #expect(object[""] as? String == "empty key")
        #expect(try read(#""\u00e9\ud83d\udc1b\/\b\f""#) as? String == "é🐛/\u{8}\u{C}")
    }

    @Test func whatIsNotJSONIsRefused() throws {
        #expect(try read(#"{"a":[1,2,{"b":null}],"c":"d"}"#) as? [String: Any] != nil)
        #expect((try read("[]") as? [Any])?.isEmpty == true)
        #expect((try read("{}") as? [String: Any])?.isEmpty == true)
        #expect(try read(#""""#) as? String == "")
        #expect(try read("-0") as? Int == 0)
        #expect(try read("1e3") as? Double == 1000)
        let malformed = [
            "", " ", "{", "[1,]", #"{"a" 1}"#, #"{"a":1,}"#, "[1 2]", "tru", "nul", "+1", "-", #""abc"#, "\"a\u{1}b\"", #""\x""#,
            #""\ud800""#, #""\u12""#, "1 2", "{} x", "01x", String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        ]
        for text in malformed {
            #expect(throws: JSONReader.Malformed.self, "\(text)") { try read(text) }
        }
    }
}
