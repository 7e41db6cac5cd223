public import ServiceKit

/// A command of `bugtracker` or `bugtracker-migrate`: its options and
/// arguments, its subcommands, and what it does.
///
/// Commands are values rather than types so that the service commands and
/// `bugtracker dev`'s per-service options are made from the list of service
/// definitions at run time.
public struct Command: Sendable {
    /// A positional argument: `EMAIL`, `SERVICE`.
    public struct Argument: Sendable {
        public var name: String
        public var help: String

        public init(_ name: String, help: String) {
            self.name = name
            self.help = help
        }
    }

    public var name: String
    /// One line: what the command does.
    public var abstract: String
    /// More, after the options in `--help`.
    public var discussion: String?
    public var options: [CommandOption]
    public var arguments: [Argument]
    public var subcommands: [Command]
    /// The subcommand run when none is named (`bugtracker` is `bugtracker dev`).
    public var defaultSubcommand: String?
    /// Nil for a command that only groups subcommands.
    public var run: (@Sendable (Invocation) async throws -> Void)?

    public init(
        name: String,
        abstract: String,
        discussion: String? = nil,
        options: [CommandOption] = [],
        arguments: [Argument] = [],
        subcommands: [Command] = [],
        defaultSubcommand: String? = nil,
        run: (@Sendable (Invocation) async throws -> Void)? = nil
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.arguments = arguments
        self.subcommands = subcommands
        self.defaultSubcommand = defaultSubcommand
        self.run = run
    }
}

/// One run of a command: its positional arguments and its options' values.
public struct Invocation: Sendable {
    /// The command words typed, for example `bugtracker` and a service's name.
    public var path: [String]
    public var arguments: [String]
    public var options: OptionValues
    public var environment: [String: String]
    /// Whether this is the process's own command line (`main`), which may
    /// install process-wide handlers (logging, signals); false in tests.
    public var isProcessMain: Bool
}
