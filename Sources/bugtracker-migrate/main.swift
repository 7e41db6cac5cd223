import BugTrackerCLI

await MigrateTool.tool().main()
