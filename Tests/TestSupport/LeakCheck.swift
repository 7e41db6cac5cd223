import Foundation

/// What an error body must never show a client: SQL, a file path, a Swift
/// type or a stack trace. Returns the fragments found in `body`.
public func internalDetails(in body: String) -> [String] {
    let forbidden = [
        "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "sqlite", "SQLite", "constraint failed", "/work/", "/tmp/", ".swift",
        "Swift.", "DecodingError", "Optional(", "ServiceKit.", "SQLiteStore.", "Users.", "Bugs.", "Notificator.", "Fatal error",
        "0x",
    ]
    var found = forbidden.filter { body.contains($0) }
    // A source position, as stack traces and fatal errors print them.
    if body.range(of: #":\d+:\d+"#, options: .regularExpression) != nil { found.append("file:line:column") }
    return found
}
