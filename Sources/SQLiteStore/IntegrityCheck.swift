import Foundation

extension Database {
    /// Runs SQLite's `PRAGMA quick_check` and throws `ResultCode.corrupt`
    /// with its first complaint when the file is damaged (truncated, say).
    ///
    /// It reads every page, so it is skipped for files over `sizeLimit`
    /// bytes: a service checks its database at start, where a damaged file
    /// should stop it with one clear line rather than fail requests later.
    public func checkIntegrity(sizeLimit: Int = 256 << 20) async throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= sizeLimit else { return }
        let complaints = try await writeWithoutTransaction { connection in
            try connection.query("PRAGMA quick_check(5)") { $0.text(0) }
        }
        guard complaints == ["ok"] else {
            throw SQLiteError(code: .corrupt, message: complaints.first ?? "the integrity check gave no answer")
        }
    }
}
