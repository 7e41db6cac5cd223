import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import BugTrackerCLI

/// Every service's migrations, as its definition gives them (with the SQL
/// functions they call), on an empty database.
@Suite struct ServiceMigrationsTests {
    @Test(arguments: ServiceCatalog.all.filter { $0.migrations != nil }.map(\.name))
    func embeddedMigrationsApplyCleanly(service: String) async throws {
        let definition = try #require(ServiceCatalog.all.first { $0.name == service })
        let migrator = try #require(try definition.migrator())
        #expect(!migrator.migrations.isEmpty)
        #expect(migrator.migrations.map(\.version) == Array(1...migrator.migrations.count))
        try await withEmptyDatabase { database in
            try await database.migrate(with: migrator)
            try await database.verifySchema(with: migrator)
            // Every table is STRICT, as the contract asks.
            let loose = try await database.read { connection in
                try connection.query(
                    "SELECT name FROM pragma_table_list WHERE type = 'table' AND strict = 0 AND name NOT LIKE 'sqlite_%'"
                ) { $0.text(0) }
            }
            #expect(loose.isEmpty)
        }
    }
}
