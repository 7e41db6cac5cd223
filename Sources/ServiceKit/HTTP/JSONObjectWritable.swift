/// A model that writes its JSON object's members itself, byte for byte what
/// its `Encodable` conformance gives through `OrderedJSONEncoder`'s
/// containers, which the encoder then skips.
///
/// For the models a hot list answers many of: the containers' generic
/// dispatch, a boxed container per value and a key string per member were
/// most of the time it took to encode a page of bugs. A conforming type
/// keeps its `encode(to:)`, and a test compares the two.
public protocol JSONObjectWritable: Encodable {
    /// Writes the members `encode(to:)` writes, in the same order.
    func writeJSONMembers(to writer: inout JSONObjectWriter)
}

/// Writes one JSON object's members in order, commas between them. Keys are
/// written as given: plain ASCII names that need no escaping.
public struct JSONObjectWriter {
    var bytes: [UInt8]
    private var needsComma = false

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func key(_ key: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func null() {
        bytes.append(contentsOf: "null".utf8)
    }

    /// `"key":"value"`, escaped as the encoder escapes strings, or `null`
    /// when absent: the contract shows every key. A `String` is passed as
    /// an optional that is present.
    public mutating func member(_ key: StaticString, _ value: String?) {
        self.key(key)
        if let value { JSONSink.appendString(value, to: &bytes) } else { null() }
    }

    /// `"key":123`, or `null` when absent; an `Int64` is passed as an
    /// optional that is present.
    public mutating func member(_ key: StaticString, _ value: Int64?) {
        self.key(key)
        if let value { JSONSink.appendInteger(value, to: &bytes) } else { null() }
    }

    /// `"key":123`.
    public mutating func member(_ key: StaticString, _ value: Int) {
        member(key, Int64(value))
    }

    /// The timestamp as RFC 3339 text, as `Timestamp` encodes itself.
    public mutating func member(_ key: StaticString, _ value: Timestamp) {
        member(key, value.rfc3339)
    }

    /// An array of strings.
    public mutating func member(_ key: StaticString, _ values: [String]) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONSink.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
