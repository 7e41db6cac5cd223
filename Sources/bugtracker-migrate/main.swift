import BugTrackerCLI

await MigrateCommand.mainWithEnvironment()
