/// Encodes `Encodable` values as compact JSON with object keys in the order
/// the values encode them: a user reads `{"id": 1, "email": …}` as the
/// contract writes it, and the same value always gives the same bytes.
///
/// Written straight into one byte array, without Foundation's intermediate
/// tree. Containers are closed when the value that opened them has finished
/// encoding, so nested containers must be used in order, as every
/// straight-line `encode(to:)` does.
public struct OrderedJSONEncoder: Sendable {
    public init() {}

    /// Why a value could not be written as JSON.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The JSON text of `value`.
    public func encode(_ value: some Encodable) throws -> [UInt8] {
        let sink = JSONSink()
        sink.bytes.reserveCapacity(512)
        try sink.write(value)
        return sink.bytes
    }
}

/// The bytes being written, shared by the containers of one encoding.
final class JSONSink {
    var bytes: [UInt8] = []

    func write<T: Encodable>(_ value: T) throws {
        // Metatype comparisons rather than `as?` casts: the common leaves
        // are written without a dynamic cast or an encoder.
        if T.self == String.self {
            writeString(unsafeBitCast(value, to: String.self))
        } else if T.self == Int64.self {
            writeInteger(unsafeBitCast(value, to: Int64.self))
        } else if T.self == Int.self {
            writeInteger(unsafeBitCast(value, to: Int.self))
        } else if T.self == Timestamp.self {
            writeString(unsafeBitCast(value, to: Timestamp.self).rfc3339)
        } else if T.self == Bool.self {
            bytes += unsafeBitCast(value, to: Bool.self) ? Array("true".utf8) : Array("false".utf8)
        } else if T.self == Double.self {
            try writeDouble(unsafeBitCast(value, to: Double.self))
        } else if T.self == UInt64.self {
            bytes += String(unsafeBitCast(value, to: UInt64.self)).utf8
        } else if T.self == UInt.self {
            bytes += String(unsafeBitCast(value, to: UInt.self)).utf8
        } else if let writable = value as? any JSONObjectWritable {
            // The writer holds the bytes while it writes: appending to the
            // class's array member by member paid a dynamic exclusivity
            // check on each append.
            var writer = JSONObjectWriter(bytes: [])
            swap(&writer.bytes, &bytes)
            writer.bytes.append(UInt8(ascii: "{"))
            writable.writeJSONMembers(to: &writer)
            writer.bytes.append(UInt8(ascii: "}"))
            swap(&writer.bytes, &bytes)
        } else {
            let encoder = SinkEncoder(sink: self)
            try value.encode(to: encoder)
            encoder.state.close(into: self)
        }
    }

    func writeString(_ string: String) {
        // One access to `bytes` for the whole string, and runs of bytes that
        // need no escape copied at once: appending byte by byte to a class's
        // array paid an exclusivity check and a uniqueness check per byte,
        // which made a search's 20 bugs a fifth of the bugs service's time.
        Self.appendString(string, to: &bytes)
    }

    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in appendQuoted(utf8, to: &bytes) }
    }

    private static func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var run = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
            run = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                let hex: StaticString = "0123456789abcdef"
                bytes += [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        bytes.append(UInt8(ascii: "\""))
    }

    func writeInteger(_ value: some BinaryInteger) {
        Self.appendInteger(value, to: &bytes)
    }

    static func appendInteger(_ value: some BinaryInteger, to bytes: inout [UInt8]) {
        guard let value = Int64(exactly: value) else {
            bytes += String(value).utf8
            return
        }
        // The digits straight into the buffer: `String(value)` allocated a
        // string for every id, count and version of every row.
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    func writeDouble(_ value: Double) throws {
        guard value.isFinite else {
            throw OrderedJSONEncoder.Failure(description: "\(value) is not a number JSON can hold")
        }
        if value == value.rounded(.towardZero) && abs(value) < 1e15 {
            writeInteger(Int64(value))
        } else {
            bytes += Array("\(value)".utf8)
        }
    }

    func writeNull() {
        bytes += Array("null".utf8)
    }
}

/// A container being written: how it ends, whether the next member needs
/// a comma, and the nested container still open inside it, which is closed
/// before the next member or the container's own end.
final class ContainerState {
    var closing: UInt8?
    var needsComma = false
    var child: ContainerState?

    func open(_ opening: UInt8, closing: UInt8, in sink: JSONSink) {
        if self.closing == nil {
            sink.bytes.append(opening)
            self.closing = closing
        }
    }

    func close(into sink: JSONSink) {
        closeChild(in: sink)
        if let closing { sink.bytes.append(closing) }
        self.closing = nil
    }

    func separate(in sink: JSONSink) {
        closeChild(in: sink)
        if needsComma { sink.bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// Opens a nested container in this one.
    func nest(_ opening: UInt8, closing: UInt8, in sink: JSONSink) -> ContainerState {
        let nested = ContainerState()
        nested.open(opening, closing: closing, in: sink)
        child = nested
        return nested
    }

    private func closeChild(in sink: JSONSink) {
        child?.close(into: sink)
        child = nil
    }
}

/// Coding paths are not tracked: nothing here reads them, and building one
/// per field would cost an array per value.
struct SinkEncoder: Encoder {
    let sink: JSONSink
    let state = ContainerState()
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        state.open(UInt8(ascii: "{"), closing: UInt8(ascii: "}"), in: sink)
        return KeyedEncodingContainer(KeyedSinkContainer<Key>(sink: sink, state: state))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        state.open(UInt8(ascii: "["), closing: UInt8(ascii: "]"), in: sink)
        return UnkeyedSinkContainer(sink: sink, state: state)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueSinkContainer(sink: sink)
    }
}

struct KeyedSinkContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    let state: ContainerState
    var codingPath: [any CodingKey] { [] }

    private func key(_ key: Key) {
        state.separate(in: sink)
        sink.writeString(key.stringValue)
        sink.bytes.append(UInt8(ascii: ":"))
    }

    mutating func encodeNil(forKey key: Key) throws {
        self.key(key)
        sink.writeNull()
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.key(key)
        try sink.write(value)
    }

    // The concrete overloads are what a model's `encode(to:)` calls through
    // the container's box; without them each would go through the generic
    // path, unspecialized across modules.
    mutating func encode(_ value: String, forKey key: Key) throws {
        self.key(key)
        sink.writeString(value)
    }

    mutating func encode(_ value: Int64, forKey key: Key) throws {
        self.key(key)
        sink.writeInteger(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        self.key(key)
        sink.writeInteger(value)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        self.key(key)
        sink.bytes += value ? Array("true".utf8) : Array("false".utf8)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        self.key(key)
        try sink.writeDouble(value)
    }

    // An absent optional is written as null, not left out: the contract
    // shows every key of a resource, so synthesized `encode(to:)`s (which
    // call these) give what it says.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        try encodeIfPresent(value.map(Double.init), forKey: key)
    }

    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeIfPresent(value.map(Int64.init), forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeIfPresent(value.map(Int64.init), forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeIfPresent(value.map(Int64.init), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeIfPresent(value.map(Int64.init), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeIfPresent(value.map(Int64.init), forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeIfPresent(value.map(Int64.init), forKey: key) }

    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
        NestedKey
    > {
        self.key(key)
        let nested = state.nest(UInt8(ascii: "{"), closing: UInt8(ascii: "}"), in: sink)
        return KeyedEncodingContainer(KeyedSinkContainer<NestedKey>(sink: sink, state: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        self.key(key)
        let nested = state.nest(UInt8(ascii: "["), closing: UInt8(ascii: "]"), in: sink)
        return UnkeyedSinkContainer(sink: sink, state: nested)
    }

    mutating func superEncoder() -> any Encoder { SinkEncoder(sink: sink) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SinkEncoder(sink: sink) }
}

struct UnkeyedSinkContainer: UnkeyedEncodingContainer {
    let sink: JSONSink
    let state: ContainerState
    var codingPath: [any CodingKey] { [] }
    var count = 0

    private mutating func next() {
        state.separate(in: sink)
        count += 1
    }

    mutating func encodeNil() throws {
        next()
        sink.writeNull()
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        next()
        try sink.write(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        next()
        let nested = state.nest(UInt8(ascii: "{"), closing: UInt8(ascii: "}"), in: sink)
        return KeyedEncodingContainer(KeyedSinkContainer<NestedKey>(sink: sink, state: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        next()
        let nested = state.nest(UInt8(ascii: "["), closing: UInt8(ascii: "]"), in: sink)
        return UnkeyedSinkContainer(sink: sink, state: nested)
    }

    mutating func superEncoder() -> any Encoder { SinkEncoder(sink: sink) }
}

struct SingleValueSinkContainer: SingleValueEncodingContainer {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.writeNull() }
    mutating func encode<T: Encodable>(_ value: T) throws { try sink.write(value) }
    mutating func encode(_ value: String) throws { sink.writeString(value) }
    mutating func encode(_ value: Int64) throws { sink.writeInteger(value) }
    mutating func encode(_ value: Int) throws { sink.writeInteger(value) }
}
