public import ArgumentParser

/// `bugtracker`: runs the services.
public struct BugTrackerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bugtracker",
        abstract: "The bug tracker's services: users, bugs and the notificator."
    )

    public init() {}

    public func run() async throws {
        throw CommandFailure("the services arrive with the next change; see bugtracker-migrate for the databases")
    }
}
