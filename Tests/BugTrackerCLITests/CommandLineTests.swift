import Foundation
import SQLiteStore
import ServiceKit
import TestSupport
import Testing

@testable import BugTrackerCLI

/// The command line: options from flags or `BUGTRACKER_*` variables, checked
/// against what each command declares.
@Suite struct CommandLineTests {
    let bugtracker = BugTrackerTool.tool()
    let migrate = MigrateTool.tool()

    /// The invocation `arguments` parse to.
    func invocation(_ tool: CommandLineTool, _ arguments: [String], environment: [String: String] = [:]) throws -> Invocation {
        guard case .run(_, let invocation) = try tool.parse(arguments, environment: environment, isProcessMain: false) else {
            throw TestFailure("\(arguments) asked for help")
        }
        return invocation
    }

    @Test func variableNamesAreUpperSnakeCase() {
        #expect(CommandOption("users-url", help: "").environmentVariable == "BUGTRACKER_USERS_URL")
        #expect(CommandOption("data-dir", help: "").environmentVariable == "BUGTRACKER_DATA_DIR")
    }

    @Test func theEnvironmentFillsInAbsentOptionsOfTheSubcommand() throws {
        let up = try invocation(
            migrate, ["up"], environment: ["BUGTRACKER_DATA_DIR": "/srv/data", "BUGTRACKER_UNRELATED": "x", "PATH": "/bin"]
        )
        #expect(up.path == ["bugtracker-migrate", "up"])
        #expect(up.options.string("data-dir") == "/srv/data")
    }

    @Test func aFlagWinsOverTheEnvironment() throws {
        let up = try invocation(migrate, ["up", "--data-dir=/mine"], environment: ["BUGTRACKER_DATA_DIR": "/srv/data"])
        #expect(up.options.string("data-dir") == "/mine")
        let spaced = try invocation(migrate, ["up", "--data-dir", "/mine"], environment: ["BUGTRACKER_DATA_DIR": "/srv/data"])
        #expect(spaced.options.string("data-dir") == "/mine")
    }

    @Test func flagsTakeTrueFromTheEnvironment() throws {
        #expect(try invocation(migrate, ["status"], environment: ["BUGTRACKER_CHECK": "true"]).options.flag("check"))
        #expect(try !invocation(migrate, ["status"], environment: ["BUGTRACKER_CHECK": "0"]).options.flag("check"))
        #expect(try invocation(migrate, ["status", "--check"]).options.flag("check"))
    }

    @Test func optionsOfOtherSubcommandsAreLeftOut() throws {
        // `--migrations-dir` belongs to `new` only: `up` does not read it, and
        // refuses it as a flag.
        let environment = ["BUGTRACKER_MIGRATIONS_DIR": "/m"]
        let up = try invocation(migrate, ["up"], environment: environment)
        #expect(up.options.string("data-dir") == "./data")
        #expect(throws: CommandLineTool.UsageError.self) { try invocation(migrate, ["up", "--migrations-dir", "/m"]) }
        #expect(try invocation(migrate, ["new", "bugs", "x"], environment: environment).options.string("migrations-dir") == "/m")
    }

    @Test func listsComeRepeatedOrCommaSeparatedAndOtherValuesStayWhole() throws {
        let flags = try invocation(bugtracker, ["notificator", "--source", "a=http://a:1", "--source", "b=http://b:2"])
        #expect(flags.options.texts("source") == ["a=http://a:1", "b=http://b:2"])
        let environment = try invocation(bugtracker, ["notificator"], environment: ["BUGTRACKER_SOURCE": "a=http://a:1,b=http://b:2"])
        #expect(environment.options.texts("source") == ["a=http://a:1", "b=http://b:2"])
        let from = try invocation(bugtracker, ["notificator", "--mail-from", "Bugs, Inc <bugs@example.com>"])
        #expect(from.options.string("mail-from") == "Bugs, Inc <bugs@example.com>")
    }

    @Test func defaultsPointAtTheOtherServices() throws {
        let notificator = try invocation(bugtracker, ["notificator"])
        #expect(notificator.options.texts("source") == ["users=http://127.0.0.1:8800", "bugs=http://127.0.0.1:8801"])
        #expect(try invocation(bugtracker, ["bugs"]).options.string("users-url") == "http://127.0.0.1:8800")
    }

    @Test func withoutACommandDevRuns() throws {
        #expect(try invocation(bugtracker, []).path == ["bugtracker", "dev"])
        #expect(try invocation(bugtracker, ["--users-port", "9000"]).options.string("users-port") == "9000")
    }

    @Test(arguments: [
        ["users", "--bogus"], ["users", "--port"], ["users", "--port", "1", "--port", "2"], ["users", "extra"], ["nonsense"],
        ["users", "-x"],
    ])
    func aCommandLineThatDoesNotFitIsRefused(arguments: [String]) throws {
        #expect(throws: CommandLineTool.UsageError.self) { try invocation(bugtracker, arguments) }
    }

    @Test(arguments: ["99999", "70000", "65536", "-1", "8800x", ""])
    func portsOutsideTheRangeAreRefusedFromFlagsAndTheEnvironment(port: String) throws {
        let flagged = try invocation(bugtracker, ["users", "--port", port])
        #expect(throws: OptionError.self) { try flagged.options.port("port") }
        let environment = try invocation(bugtracker, ["users"], environment: ["BUGTRACKER_PORT": port])
        do {
            _ = try environment.options.port("port")
            Issue.record("BUGTRACKER_PORT=\(port) was taken")
        } catch let error as OptionError {
            #expect(error.description.hasPrefix("BUGTRACKER_PORT=\(port) is not a port"))
        }
    }

    @Test func portZeroMeansAnyFreePort() throws {
        #expect(try invocation(bugtracker, ["users", "--port", "0"]).options.port("port") == 0)
        #expect(try invocation(bugtracker, ["users", "--port", "65535"]).options.port("port") == 65535)
    }

    @Test func theOTLPEndpointIsAnHTTPURLWhoseTracesGoToV1Traces() throws {
        #expect(try TracingSetup.tracesURL(invocation(bugtracker, ["users"]).options) == nil)
        let given = try invocation(bugtracker, ["bugs", "--otlp-endpoint", "http://jaeger:4318/"])
        #expect(try TracingSetup.tracesURL(given.options) == "http://jaeger:4318/v1/traces")
        let dev = try invocation(bugtracker, ["dev"], environment: ["BUGTRACKER_OTLP_ENDPOINT": "https://collector.example.com"])
        #expect(try TracingSetup.tracesURL(dev.options) == "https://collector.example.com/v1/traces")
        for bad in ["jaeger:4318", "ftp://jaeger", "http://"] {
            let refused = try invocation(bugtracker, ["notificator", "--otlp-endpoint", bad])
            #expect(throws: OptionError.self) { try TracingSetup.tracesURL(refused.options) }
        }
    }

    @Test func synchronousOffIsRefused() throws {
        let off = try invocation(bugtracker, ["users", "--synchronous", "off"])
        #expect(throws: OptionError.self) { try CommonOptions.synchronousMode(off.options) }
        #expect(try CommonOptions.synchronousMode(invocation(bugtracker, ["users", "--synchronous", "normal"]).options) == .normal)
    }

    /// Every command of both executables, with its tool and its path.
    func allCommands() -> [(CommandLineTool, [String], Command)] {
        func walk(_ tool: CommandLineTool, _ command: Command, _ path: [String]) -> [(CommandLineTool, [String], Command)] {
            [(tool, path, command)] + command.subcommands.flatMap { walk(tool, $0, path + [$0.name]) }
        }
        return walk(bugtracker, bugtracker.root, []) + walk(migrate, migrate.root, [])
    }

    @Test func everyOptionOfEveryCommandHasItsVariable() throws {
        var checked = 0
        for (tool, path, command) in allCommands() where command.run != nil {
            let positionals = command.arguments.map { _ in "users" }
            for option in command.options {
                let sample: String
                let expected: [String]
                switch option.kind {
                case .flag: (sample, expected) = ("true", ["true"])
                case .list: (sample, expected) = ("a=http://a:1,b=http://b:2", ["a=http://a:1", "b=http://b:2"])
                case .value: (sample, expected) = ("from-the-environment", ["from-the-environment"])
                }
                let parsed = try invocation(tool, path + positionals, environment: [option.environmentVariable: sample])
                #expect(parsed.options.texts(option.name) == expected, "\(path.joined(separator: " ")) \(option.flag)")
                #expect(parsed.options.isGiven(option.name))
                checked += 1
            }
        }
        #expect(checked > 40)
    }

    @Test func helpListsEveryOptionWithItsVariable() throws {
        for (tool, path, command) in allCommands() {
            guard case .help(let text) = try tool.parse(path + ["--help"], environment: [:], isProcessMain: false) else {
                Issue.record("no help for \(path)")
                continue
            }
            for option in command.options {
                #expect(text.contains(option.flag) && text.contains(option.environmentVariable), "\(path) \(option.flag)")
            }
        }
    }

    @Test func statusSaysItCreatesNothing() throws {
        guard case .help(let up) = try migrate.parse(["up", "--help"], environment: [:], isProcessMain: false),
            case .help(let status) = try migrate.parse(["status", "--help"], environment: [:], isProcessMain: false)
        else { throw TestFailure("no help") }
        #expect(up.contains("created if missing"))
        #expect(!status.contains("created if missing"))
    }

    @Test func aMigrationNameUsedBeforeIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory.file("bugs"), withIntermediateDirectories: true)
            let arguments = ["new", "bugs", "add_labels", "--migrations-dir", directory.path]
            #expect(await migrate.run(arguments, environment: [:]) == 0)
            #expect(await migrate.run(arguments, environment: [:]) == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("bugs")) == ["0001_add_labels.sql"])
        }
    }

    @Test func adminCommandsGrantAdminAndRotateTheSigningKey() async throws {
        try await withTemporaryDirectory { directory in
            let db = directory.file("users.db")
            #expect(await migrate.run(["up", "--service", "users", "--db", db], environment: [:]) == 0)
            let database = try await Database.open(path: db)
            try await database.write { connection in
                try connection.execute(
                    "INSERT INTO users (email, email_key, name, created_at) VALUES ('Ann@Example.com', 'ann@example.com', NULL, '2026-11-26T08:00:00.000Z')"
                )
            }
            // Any spelling of the address finds her; an unknown one is an error.
            #expect(await bugtracker.run(["admin", "grant-admin", "ANN@example.com", "--db", db], environment: [:]) == 0)
            #expect(await bugtracker.run(["admin", "grant-admin", "nobody@example.com", "--db", db], environment: [:]) == 1)
            #expect(await bugtracker.run(["admin", "grant-admin", "--db", db], environment: [:]) != 0)
            // Two rotations: three keys, one current, the others retired.
            for _ in 0..<2 { #expect(await bugtracker.run(["admin", "rotate-signing-key", "--db", db], environment: [:]) == 0) }
            let (role, current, retired) = try await database.read { connection in
                (
                    try connection.queryFirst("SELECT role FROM users") { try $0.text("role") },
                    try connection.queryFirst("SELECT count(*) FROM signing_keys WHERE retired_at IS NULL") { $0.int(0) },
                    try connection.queryFirst("SELECT count(*) FROM signing_keys WHERE retired_at IS NOT NULL") { $0.int(0) }
                )
            }
            await database.close()
            #expect(role == "admin")
            #expect(current == 1 && retired == 1)
        }
    }
}
