/// A value that breaks a rule of the contract: the field at fault and why.
/// The HTTP layer answers it as 400 `invalid_field`.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON field at fault, as the client spelled it (`email`).
    public let field: String
    /// What is wrong with it, for a person (`must be at most 200 characters`).
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field) \(reason)" }
}

/// Rules shared by the fields of all three services.
public enum TextRules {
    /// The length SQLite's `length()` gives text: Unicode scalars. Limits are
    /// counted this way so the CHECK constraints and the service agree.
    public static func length(_ text: some StringProtocol) -> Int {
        text.unicodeScalars.count
    }

    /// Whether `text` holds a control character (CR and LF among them), or
    /// a Unicode line or paragraph separator, which would let a value that
    /// reaches an e-mail header add a line to it.
    public static func hasControlCharacters(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.contains { scalar in
            if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
            return scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
        }
    }

    /// Whether `scalar` is white space, with a fast answer for ASCII.
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }

    /// `text` without leading and trailing white space.
    public static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isWhitespace($0) })!
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }
}
