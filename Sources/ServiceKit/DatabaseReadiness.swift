public import SQLiteStore

extension Database {
    /// Whether the database answers and its schema is exactly `migrator`'s
    /// migrations: what `/ready` reports.
    public func isCurrent(with migrator: Migrator) async -> Bool {
        (try? await read { try migrator.verify(on: $0) }) != nil
    }

    /// `/ready`'s check for `service`, whose schema is `migrations`.
    public func readinessCheck(service: String, migrations: [Migration]) -> @Sendable () async -> Bool {
        let migrator = try? Migrator(service: service, migrations: migrations)
        return { [self] in
            guard let migrator else { return false }
            return await isCurrent(with: migrator)
        }
    }
}
