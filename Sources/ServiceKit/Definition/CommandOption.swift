/// One option a command takes: `--users-url URL` on the command line, or
/// `BUGTRACKER_USERS_URL` in the environment (a flag wins).
///
/// Service definitions declare their own; the command line checks every
/// argument against the declared ones and prints them in `--help`.
public struct CommandOption: Sendable {
    /// How the option takes its value.
    public enum Kind: Sendable, Equatable {
        /// `--port 8800`: one value.
        case value
        /// `--source a --source b`, or a comma-separated list in the environment.
        case list
        /// `--check`: present or not; `1`, `true`, `yes` or `on` in the environment.
        case flag
    }

    /// What the option is when it is given neither on the command line nor
    /// in the environment.
    public enum Default: Sendable {
        /// Nothing: the option is unset.
        case none
        /// These values (one for `.value`, any number for `.list`).
        case values([String])
        /// Values worked out from where the other services are (the users
        /// service's URL, say), described for `--help`.
        case derived(String, @Sendable (ServiceTopology) -> [String])

        /// One fixed value.
        public static func value(_ text: String) -> Default { .values([text]) }
    }

    /// The long name without dashes: `users-url`.
    public var name: String
    public var kind: Kind
    /// What `--help` calls the value: `URL`, `PATH`, `DURATION`.
    public var valueName: String
    public var help: String
    public var defaultValue: Default
    /// Never shown in logs or `--help` output with its value.
    public var isSecret: Bool
    /// Offered by `bugtracker dev` under the same name, for every service
    /// that declares it (the mail options, say). Options that are not stay
    /// at their defaults there.
    public var inDev: Bool

    public init(
        _ name: String,
        kind: Kind = .value,
        valueName: String = "VALUE",
        help: String,
        default defaultValue: Default = .none,
        isSecret: Bool = false,
        inDev: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
        self.isSecret = isSecret
        self.inDev = inDev
    }

    /// `--users-url`.
    public var flag: String { "--" + name }

    /// `BUGTRACKER_USERS_URL`.
    public var environmentVariable: String {
        Self.environmentPrefix + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Every option's variable starts with this.
    public static let environmentPrefix = "BUGTRACKER_"
}
