import ServiceKit

/// The contract's rules for a `SendEmail` call's fields, which become a
/// `DirectMail` or a `FieldError` naming the field.
enum SendEmailRequestRules {
    static let maximumContent = 100_000
    static let maximumSubject = 200
    static let maximumIdempotencyKey = 255
    static let defaultSubject = "(no subject)"

    static func mail(email: String, content: String, subject: String, idempotencyKey: String) throws -> DirectMail {
        let recipient = try EmailAddress.validate(email, field: "email")
        let body = TextRules.trimmed(content)
        guard TextRules.hasVisibleCharacter(body) else { throw FieldError(field: "content", reason: "must not be empty") }
        guard TextRules.length(body) <= maximumContent else {
            throw FieldError(field: "content", reason: "must be at most \(maximumContent) characters")
        }
        // Lines and tabs are text; other controls (NUL, escape codes) are not.
        if let scalar = body.unicodeScalars.first(where: { $0 != "\n" && $0 != "\r" && $0 != "\t" && TextRules.isControl($0) }) {
            throw FieldError(field: "content", reason: TextRules.forbiddenReason(scalar))
        }
        // The subject becomes a header line: one line, nothing invisible.
        let trimmedSubject = TextRules.trimmed(subject)
        let checkedSubject =
            trimmedSubject.isEmpty ? defaultSubject : try TextRules.checkedLine(trimmedSubject, field: "subject", maximum: maximumSubject)
        var key: String?
        if !idempotencyKey.isEmpty {
            guard TextRules.length(idempotencyKey) <= maximumIdempotencyKey else {
                throw FieldError(field: "idempotency_key", reason: "must be at most \(maximumIdempotencyKey) characters")
            }
            if let scalar = TextRules.firstForbidden(in: idempotencyKey, allowingJoiners: false) {
                throw FieldError(field: "idempotency_key", reason: TextRules.forbiddenReason(scalar))
            }
            key = idempotencyKey
        }
        return DirectMail(recipient: recipient, subject: checkedSubject, body: body, idempotencyKey: key)
    }
}
