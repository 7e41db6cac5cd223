import Foundation

/// The folder holding the services' databases (and the mail, in dev mode).
enum DataDirectory {
    /// Creates `path` and its parents when missing; a failure names the path.
    static func create(_ path: String) throws {
        // mkdir(2) one level at a time, for errno's own words on failure.
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw CommandFailure("cannot create the data directory \(path): \(String(cString: strerror(errno)))")
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("the data directory \(path) is not a directory")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw CommandFailure("the data directory \(path) is not writable")
        }
    }

    /// `<folder>/<service>.db`.
    static func path(of service: String, in folder: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent("\(service).db").path
    }
}
