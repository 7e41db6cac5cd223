import Crypto

/// One schema change: the SQL of `Migrations/<service>/<NNNN>_<name>.sql`.
public struct Migration: Sendable, Hashable {
    /// The file it was read from, from the repository root, as messages
    /// name it: `Migrations/<service>/<NNNN>_<name>.sql`, or the shared file
    /// it is a copy of.
    public let path: String
    /// The service whose database it changes (the folder name).
    public let service: String
    /// The number it is applied in order of (`NNNN`).
    public let version: Int
    /// The rest of the file name, without `.sql`.
    public let name: String
    /// The file's text, exactly.
    public let sql: String
    /// SHA-256 of the file's bytes, in lower-case hex.
    public let checksum: String
    /// The Swift functions its SQL calls, registered on the connection
    /// before it runs (not part of the checksum: the file is).
    public private(set) var functions: [SQLFunction] = []

    public init(service: String, version: Int, name: String, sql: String, path: String? = nil) {
        self.path = path ?? "Migrations/\(service)/\(Self.fileName(version: version, name: name))"
        self.service = service
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Array(sql.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// A migration from a file named `NNNN_name.sql`; nil for any other name.
    public init?(service: String, fileName: String, sql: String, path: String? = nil) {
        guard let (version, name) = Self.parse(fileName: fileName) else { return nil }
        self.init(service: service, version: version, name: name, sql: sql, path: path)
    }

    /// The same SQL as `service`'s migration `version`, keeping the path of
    /// the file it comes from: how a service takes a migration of a module it
    /// shares (the outbox's) into its own sequence.
    public func placed(in service: String, version: Int) -> Migration {
        var placed = Migration(service: service, version: version, name: name, sql: sql, path: path)
        placed.functions = functions
        return placed
    }

    /// This migration, with `functions` registered before it runs.
    public func requiring(_ functions: [SQLFunction]) -> Migration {
        var migration = self
        migration.functions += functions.filter { !migration.functions.contains($0) }
        return migration
    }

    /// The version and name in a file name `NNNN_name.sql`.
    public static func parse(fileName: String) -> (version: Int, name: String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count == 4, digits.allSatisfy(\.isASCII), let version = Int(digits), version > 0,
            !name.isEmpty
        else { return nil }
        return (version, String(name))
    }

    /// The file's name, `NNNN_name.sql`.
    public var fileName: String { Self.fileName(version: version, name: name) }

    /// `NNNN_name.sql` for a version and a name.
    public static func fileName(version: Int, name: String) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }
}
