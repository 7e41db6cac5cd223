import BugTrackerCLI
import Testing

@Suite struct EnvironmentArgumentsTests {
    @Test func variableNamesAreUpperSnakeCase() {
        #expect(EnvironmentArguments.variableName(forOption: "users-url") == "BUGTRACKER_USERS_URL")
        #expect(EnvironmentArguments.variableName(forOption: "data-dir") == "BUGTRACKER_DATA_DIR")
    }

    @Test func theEnvironmentFillsInAbsentOptionsOfTheSubcommand() {
        let merged = EnvironmentArguments.merge(
            ["up"],
            environment: ["BUGTRACKER_DATA_DIR": "/srv/data", "BUGTRACKER_UNRELATED": "x", "PATH": "/bin"],
            command: MigrateCommand.self
        )
        #expect(merged == ["up", "--data-dir", "/srv/data"])
    }

    @Test func aFlagWinsOverTheEnvironment() {
        let merged = EnvironmentArguments.merge(
            ["up", "--data-dir=/mine"],
            environment: ["BUGTRACKER_DATA_DIR": "/srv/data"],
            command: MigrateCommand.self
        )
        #expect(merged == ["up", "--data-dir=/mine"])
    }

    @Test func flagsTakeTrueFromTheEnvironment() {
        #expect(
            EnvironmentArguments.merge(["status"], environment: ["BUGTRACKER_CHECK": "true"], command: MigrateCommand.self)
                == ["status", "--check"]
        )
        #expect(
            EnvironmentArguments.merge(["status"], environment: ["BUGTRACKER_CHECK": "0"], command: MigrateCommand.self)
                == ["status"]
        )
    }

    @Test func optionsOfOtherSubcommandsAreLeftOut() {
        // `--migrations-dir` belongs to `new` only.
        let merged = EnvironmentArguments.merge(
            ["up"], environment: ["BUGTRACKER_MIGRATIONS_DIR": "/m"], command: MigrateCommand.self
        )
        #expect(merged == ["up"])
    }
}
