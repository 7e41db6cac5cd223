import ServiceKit
import Testing

@Suite struct StrictJSONTests {
    func violation(_ text: String) -> String? {
        do {
            try StrictJSON.validate(Array(text.utf8))
            return nil
        } catch {
            return error.reason
        }
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"{"a": 1, "b": [true, false, null], "c": {"d": "e"}}"#, #" {"n": -0.5e+10} "#, #""text""#, "0", "-12",
        #"{"escapes": "\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"}"#, #"{"ünïcode": "🐛"}"#, #"[1.0, 2E3, 0.25]"#,
    ])
    func validJSONPasses(text: String) {
        #expect(violation(text) == nil, "\(text)")
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, "a trailing comma"), (#"[1, 2,]"#, "a trailing comma"), (#"{"a": 1} // note"#, "more text after the JSON value"),
        (#"{/* c */ "a": 1}"#, "an object key that is not a string"), (#"{"a": NaN}"#, "NaN and Infinity are not JSON numbers"),
        (#"{"a": Infinity}"#, "NaN and Infinity are not JSON numbers"), (#"{"a": 1, "a": 2}"#, #"the key "a" given twice"#),
        (#"{"a": 1, "\u0061": 2}"#, #"the key "a" given twice"#), (#"{'a': 1}"#, "an object key that is not a string"),
        (#"{"a": 01}"#, "a number with a leading zero"), (#"{"a": .5}"#, "an unexpected character"),
        (#"{"a": 1."#, "a number without digits after its point"),
        (#"{"a" 1}"#, "a missing colon after an object key"), (#"{"a": tru}"#, "an unknown word"),
        ("{\"a\": \"line\nbreak\"}", "a control character in a string (it must be escaped)"),
        (#"{"a": "\x"}"#, "an unknown escape in a string"), (#"{"a": 1"#, "a missing comma or closing brace in an object"),
        ("", "the text ends where a value should be"),
        (#"[1 2]"#, "a missing comma or closing bracket in an array"), (#"{"a": +1}"#, "an unexpected character"),
    ])
    func invalidJSONIsNamed(text: String, reason: String) {
        #expect(violation(text) == reason, "\(text)")
    }

    @Test func nestingHasALimit() {
        #expect(violation(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) == nil)
        #expect(
            violation(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))
                == "objects and arrays nested too deeply")
    }

    @Test func equalKeysInDifferentObjectsAreFine() {
        #expect(violation(#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#) == nil)
    }
}
