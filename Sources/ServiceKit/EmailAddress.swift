import Foundation
public import SQLiteStore

/// The contract's rules for an e-mail address, and the one form in which
/// two spellings of one address are equal.
public enum EmailAddress {
    /// `text` trimmed, when it is an address by the contract's rules; a
    /// `FieldError` on `field` saying what is wrong otherwise.
    ///
    /// One `@`; before it 1 to 64 characters; after it a domain of labels of
    /// letters, digits and hyphens (not first or last), each 1 to 63
    /// characters in its ASCII (`xn--`) form, joined by single dots, at least
    /// two, no trailing dot. No white space, control, bidi or invisible
    /// characters, nor the ones that would let an address name another
    /// recipient in a mail header.
    public static func validate(_ text: String, field: String = "email") throws -> String {
        let email = TextRules.trimmed(text)
        func reject(_ reason: String) -> FieldError {
            FieldError(field: field, reason: reason)
        }
        guard !email.isEmpty else { throw reject("must not be empty") }
        guard TextRules.length(email) <= 254 else { throw reject("must be at most 254 characters") }
        guard !email.unicodeScalars.contains(where: TextRules.isWhitespace), !TextRules.hasControlCharacters(email) else {
            throw reject("must not contain spaces or control characters")
        }
        if let scalar = TextRules.firstForbidden(in: email, allowingJoiners: false) { throw reject(TextRules.forbiddenReason(scalar)) }
        let scalars = email.unicodeScalars
        var at: String.UnicodeScalarView.Index?
        var atCount = 0
        for index in scalars.indices {
            switch scalars[index] {
            case "@":
                atCount += 1
                at = index
            case "<", ">", ",", ";", ":", "\"", "(", ")", "[", "]", "\\":
                throw reject("must be a bare address such as ann@example.com")
            default:
                break
            }
        }
        guard atCount == 1, let at else { throw reject("is not an e-mail address: it needs exactly one @") }
        let local = scalars[..<at]
        guard !local.isEmpty else { throw reject("is not an e-mail address: nothing before the @") }
        guard local.count <= 64 else { throw reject("is not an e-mail address: the part before the @ must be at most 64 characters") }
        let domain = String(scalars[scalars.index(after: at)...])
        guard !domain.isEmpty else { throw reject("is not an e-mail address: nothing after the @") }
        guard !domain.hasSuffix(".") else { throw reject("is not an e-mail address: the domain must not end with a dot") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.contains(where: \.isEmpty) else {
            throw reject("is not an e-mail address: the domain has an empty part (two dots in a row, or one at its start)")
        }
        guard labels.count >= 2 else { throw reject("is not an e-mail address: the domain needs a dot, as in example.com") }
        for label in labels {
            guard label.unicodeScalars.allSatisfy(isLabelCharacter) else {
                throw reject("is not an e-mail address: a domain holds only letters, digits, hyphens and dots")
            }
            guard label.first != "-" && label.last != "-" else {
                throw reject("is not an e-mail address: a part of the domain must not start or end with a hyphen")
            }
            guard let ascii = asciiLabel(String(label)), ascii.utf8.count <= 63 else {
                throw reject("is not an e-mail address: each part of the domain must be at most 63 characters (in its xn-- form)")
            }
        }
        return email
    }

    /// The comparison key of an address: the part before the @ in Unicode
    /// NFC and case folded (`ß` is `ss`), the domain in its ASCII form, in
    /// lower case (`bücher.example` is `xn--bcher-kva.example`). What makes
    /// an address unique; addresses stored before these rules get it too,
    /// even where they break them.
    public static func key(_ email: String) -> String {
        let email = TextRules.trimmed(email)
        // ASCII, the usual case: NFC leaves it as it is and case folding is
        // lower-casing, so Foundation's Unicode work (7% of a users create's
        // CPU, on the writer thread) is skipped.
        if email.utf8.allSatisfy({ $0 < 0x80 }) { return email.lowercased() }
        return unicodeKey(email)
    }

    /// `key(_:)` by the Unicode rules alone, for any trimmed text.
    static func unicodeKey(_ email: String) -> String {
        guard let at = email.lastIndex(of: "@") else { return fold(email) }
        let domain = email[email.index(after: at)...].split(separator: ".", omittingEmptySubsequences: false)
            .map { label in asciiLabel(String(label)) ?? fold(String(label)) }
            .joined(separator: ".")
        return fold(String(email[..<at])) + "@" + domain
    }

    /// `users_email_key(email)`: `key(_:)` for SQL, which the migration that
    /// brought existing keys to this form calls.
    public static let keyFunction = SQLFunction("users_email_key", argumentCount: 1) { arguments in
        guard case .text(let email) = arguments.first else { return .null }
        return .text(key(email))
    }

    /// NFC, case folded, NFC again (folding may decompose).
    private static func fold(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.folding(options: [.caseInsensitive], locale: nil).precomposedStringWithCanonicalMapping
    }

    /// A domain label's ASCII form: lower case, and `xn--` Punycode of its
    /// folded NFC form when it is not ASCII.
    private static func asciiLabel(_ label: String) -> String? {
        if label.utf8.allSatisfy({ $0 < 0x80 }) { return label.lowercased() }
        return Punycode.asciiLabel(fold(label))
    }

    private static func isLabelCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "-"
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark, .spacingMark,
            .enclosingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }
}
