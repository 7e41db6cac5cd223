import BugTrackerCLI

await BugTrackerTool.tool().main()
