import BugTrackerCLI

await BugTrackerCommand.mainWithEnvironment()
