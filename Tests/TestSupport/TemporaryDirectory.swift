import Foundation

/// A fresh directory under the system's temporary folder, removed with
/// everything in it when `remove()` is called.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "bugtracker-test") throws {
        let template = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(label).XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: created)
    }

    /// `path/name`.
    public func file(_ name: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(name).path
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with a fresh temporary directory, removed afterwards whether
/// `body` returns or throws.
public func withTemporaryDirectory<T>(
    _ label: String = "bugtracker-test",
    _ body: (TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(label)
    defer { directory.remove() }
    return try await body(directory)
}
