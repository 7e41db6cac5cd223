import Configuration

/// The values of a command's options: what the command line gave, else the
/// environment's `BUGTRACKER_*` variable, else the option's default.
///
/// Read through swift-configuration: the command line's values (already
/// checked against the declared options) are an in-memory provider stacked
/// over the environment-variables provider, so a flag wins. The package's
/// own command-line provider is not used because it splits every value at
/// commas, which would break `--mail-from "Bugs, Inc <bugs@example.com>"`.
public struct OptionValues: Sendable {
    private let reader: ConfigReader
    private let declared: [String: CommandOption]
    private let given: Set<String>
    /// Where the other services are, which derived defaults come from.
    public let topology: ServiceTopology

    /// - Parameters:
    ///   - options: the options the command declares.
    ///   - given: the command line's values by option name (`users-url`);
    ///     each must be declared.
    ///   - environment: the process's environment.
    ///   - topology: where the other services are, for derived defaults.
    public init(
        options: [CommandOption],
        given: [String: [String]],
        environment: [String: String],
        topology: ServiceTopology
    ) {
        var declared: [String: CommandOption] = [:]
        for option in options { declared[option.name] = option }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, texts) in given {
            guard let option = declared[name], let last = texts.last else { continue }
            let content: ConfigContent = option.kind == .list ? .stringArray(texts) : .string(last)
            values[AbsoluteConfigKey(Self.keyComponents(name))] = ConfigValue(content, isSecret: option.isSecret)
        }
        let environmentProvider = EnvironmentVariablesProvider(
            environmentVariables: environment,
            secretsSpecifier: .specific(Set(options.filter(\.isSecret).map(\.environmentVariable)))
        )
        self.reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: values),
            environmentProvider.prefixKeys(with: ConfigKey([String(CommandOption.environmentPrefix.dropLast()).lowercased()])),
        ])
        self.declared = declared
        self.given = Set(given.keys)
        self.topology = topology
    }

    /// `users-url` → the key whose command-line form is `--users-url` and
    /// whose environment form is `USERS_URL` (prefixed `BUGTRACKER_`).
    static func keyComponents(_ name: String) -> [String] {
        name.split(separator: "-").map(String.init)
    }

    private func option(_ name: String) -> CommandOption {
        guard let option = declared[name] else { preconditionFailure("--\(name) is not an option of this command") }
        return option
    }

    /// The option's values as text: given, else from the environment, else
    /// its default.
    public func texts(_ name: String) -> [String] {
        let option = option(name)
        let key = ConfigKey(Self.keyComponents(name))
        let found: [String]? =
            option.kind == .list
            ? reader.stringArray(forKey: key, isSecret: option.isSecret)
            : reader.string(forKey: key, isSecret: option.isSecret).map { [$0] }
        if let found { return found }
        switch option.defaultValue {
        case .none: return []
        case .values(let values): return values
        case .derived(_, let derive): return derive(topology)
        }
    }

    /// The option's value, or nil when it has none.
    public func string(_ name: String) -> String? {
        texts(name).last
    }

    /// Whether the flag is on.
    public func flag(_ name: String) -> Bool {
        guard let text = string(name) else { return false }
        return ["1", "true", "yes", "on"].contains(text.lowercased())
    }

    /// Whether the command line or the environment gave the option.
    public func isGiven(_ name: String) -> Bool {
        given.contains(name) || reader.string(forKey: ConfigKey(Self.keyComponents(name))) != nil
    }

    /// The option as a whole number in `range`; nil when it has no value.
    public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw OptionError("\(describe(name, text)) is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The option as a TCP port: 1 to 65535, or 0 for any free port.
    public func port(_ name: String) throws -> Int {
        guard let text = string(name) else { throw OptionError("--\(name) is required") }
        guard let value = Int(text), (0...65535).contains(value) else {
            throw OptionError("\(describe(name, text)) is not a port: it must be from 1 to 65535 (or 0 for any free port)")
        }
        return value
    }

    /// The option as a duration (`250ms`, `5m`, `7d`); nil when it has no value.
    public func duration(_ name: String) throws -> Duration? {
        guard let text = string(name) else { return nil }
        guard let duration = DurationText.parse(text) else {
            throw OptionError("\(describe(name, text)) is not a duration such as 250ms, 30s, 5m, 2h or 7d")
        }
        return duration
    }

    /// The option as one of `T`'s cases; nil when it has no value.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw OptionError("\(describe(name, text)) is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `--port 99999` or `BUGTRACKER_PORT=99999`, as the value was given;
    /// secrets are not repeated.
    public func describe(_ name: String, _ text: String) -> String {
        let option = option(name)
        let shown = option.isSecret ? "(hidden)" : text
        return given.contains(name) ? "\(option.flag) \(shown)" : "\(option.environmentVariable)=\(shown)"
    }
}

/// An option that has a value it cannot take: one line for the person who
/// gave it.
public struct OptionError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
