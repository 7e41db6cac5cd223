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
        text.unicodeScalars.contains(where: isControl)
    }

    /// Whether `scalar` is a control character (C0, DEL, C1) or a Unicode
    /// line or paragraph separator.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
        return scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// The first character the contract refuses in e-mails, names, titles
    /// and labels: C0 and C1 controls, line and paragraph separators, bidi
    /// controls (U+202A–U+202E, U+2066–U+2069) that can reorder what a reader
    /// sees, and invisible format characters (U+200B, U+2060, U+FEFF). The
    /// joiners U+200C and U+200D, which scripts and emoji need, pass when
    /// `allowingJoiners` (names and titles).
    public static func firstForbidden(in text: some StringProtocol, allowingJoiners: Bool) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F: true
            case 0x2028, 0x2029: true
            case 0x202A...0x202E, 0x2066...0x2069: true
            case 0x200B, 0x2060, 0xFEFF: true
            case 0x200C, 0x200D: !allowingJoiners
            default: false
            }
        }
    }

    /// The reason a field with `scalar` in it is refused, naming the character.
    public static func forbiddenReason(_ scalar: Unicode.Scalar) -> String {
        if scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" {
            return "must be one line without control characters"
        }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return "must not contain control, bidirectional or invisible characters (it holds \(code))"
    }

    /// Whether `text` holds a character a person can see: one that is not
    /// white space, nor a control or format character, nor one Unicode
    /// says to ignore when it has nothing to show (a joiner alone, say).
    ///
    /// Exactly the rule the OpenAPI documents write as a `pattern` (the
    /// class of invisible characters there is this one's, enumerated), so
    /// it stops at the Basic Multilingual Plane, which a pattern can name
    /// portably: beyond it every character counts as visible, and so does
    /// one not yet assigned (a newer Unicode may give it a glyph).
    public static func hasVisibleCharacter(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.contains { scalar in
            if scalar.isASCII { return scalar.value > 0x20 && scalar.value < 0x7F }
            if scalar.value > 0xFFFF { return true }
            let properties = scalar.properties
            if properties.isWhitespace || properties.isDefaultIgnorableCodePoint { return false }
            switch properties.generalCategory {
            case .control, .format: return false
            default: return true
            }
        }
    }

    /// Checks a one-line text field (a name, a title): at most `maximum`
    /// characters, at least one visible, none forbidden (joiners allowed).
    /// Returns it trimmed.
    public static func checkedLine(_ text: String, field: String, maximum: Int) throws -> String {
        let trimmed = trimmed(text)
        guard length(trimmed) <= maximum else { throw FieldError(field: field, reason: "must be at most \(maximum) characters") }
        // Checked before trimming: a tab or line feed at either end is a
        // control character in a one-line field too, as the documents say.
        if let scalar = firstForbidden(in: text, allowingJoiners: true) {
            throw FieldError(field: field, reason: forbiddenReason(scalar))
        }
        guard hasVisibleCharacter(trimmed) else {
            throw FieldError(field: field, reason: trimmed.isEmpty ? "must not be empty" : "must hold at least one visible character")
        }
        return trimmed
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
