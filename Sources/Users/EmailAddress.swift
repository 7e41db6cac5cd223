import ServiceKit

/// The contract's rule for an e-mail address: trimmed, at most 254
/// characters, one `@` with a non-empty local part and a domain with a dot.
public enum EmailAddress {
    /// `text` trimmed, when it is an address; a `FieldError` on `email` saying
    /// what is wrong otherwise.
    public static func validate(_ text: String, field: String = "email") throws -> String {
        let email = TextRules.trimmed(text)
        func reject(_ reason: String) -> FieldError {
            FieldError(field: field, reason: reason)
        }
        guard !email.isEmpty else { throw reject("must not be empty") }
        guard TextRules.length(email) <= 254 else { throw reject("must be at most 254 characters") }
        guard !email.unicodeScalars.contains(where: TextRules.isWhitespace), !TextRules.hasControlCharacters(email)
        else { throw reject("must not contain spaces or control characters") }
        // One pass over the scalars: where the @ signs are, and whether a
        // character that would let one address name another recipient in a
        // mail header (angle brackets, commas, quotes) is there.
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
        guard at != scalars.startIndex else { throw reject("is not an e-mail address: nothing before the @") }
        let domain = scalars[scalars.index(after: at)...]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty })
        else { throw reject("is not an e-mail address: the domain needs a dot, as in example.com") }
        return email
    }

    /// The comparison key of an address: lower case by Unicode's rules.
    public static func key(_ email: String) -> String {
        email.lowercased()
    }
}
