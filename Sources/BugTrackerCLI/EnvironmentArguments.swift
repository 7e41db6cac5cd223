public import ArgumentParser
import Foundation

/// Options from the environment: `BUGTRACKER_` plus the option's long name in
/// upper snake case (`--users-url` ↔ `BUGTRACKER_USERS_URL`).
///
/// The environment fills in only options absent from the command line, so a
/// flag wins. A repeatable option takes a comma-separated list. The names
/// come from the command's own definition (ArgumentParser's tool info), so
/// every option has its variable without a second list to keep in step.
public enum EnvironmentArguments {
    public static let prefix = "BUGTRACKER_"

    /// `arguments` (without the program name) with what `environment` adds
    /// for the subcommand they invoke.
    public static func merge(
        _ arguments: [String],
        environment: [String: String],
        command: any ParsableCommand.Type
    ) -> [String] {
        guard let tool = try? JSONDecoder().decode(ToolInfo.self, from: Data(command._dumpHelp().utf8)) else {
            return arguments
        }
        // Follow the subcommand names at the front of the command line; with
        // none, the default subcommand runs.
        var info = tool.command
        var index = 0
        while index < arguments.count, let next = info.subcommands?.first(where: { $0.commandName == arguments[index] }) {
            info = next
            index += 1
        }
        if index == 0, let name = info.defaultSubcommand, let next = info.subcommands?.first(where: { $0.commandName == name }) {
            info = next
        }
        let given = Set(arguments.prefix { $0 != "--" }.map { String($0.split(separator: "=", maxSplits: 1).first ?? "") })
        var added: [String] = []
        for argument in info.arguments ?? [] where argument.kind != "positional" {
            guard let long = argument.names?.first(where: { $0.kind == "long" })?.name, long != "help" else { continue }
            let flag = "--" + long
            guard !given.contains(flag), let value = environment[variableName(forOption: long)] else { continue }
            switch argument.kind {
            case "flag":
                if ["1", "true", "yes", "on"].contains(value.lowercased()) { added.append(flag) }
            default:
                let values = argument.isRepeating == true ? value.split(separator: ",").map(String.init) : [value]
                for value in values { added += [flag, value] }
            }
        }
        guard !added.isEmpty else { return arguments }
        // Before a `--`, which ends the options.
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        var merged = arguments
        merged.insert(contentsOf: added, at: end)
        return merged
    }

    /// `users-url` → `BUGTRACKER_USERS_URL`.
    public static func variableName(forOption long: String) -> String {
        prefix + long.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    // The parts of ArgumentParser's tool info (`--experimental-dump-help`) read here.
    private struct ToolInfo: Decodable {
        var command: CommandInfo
    }

    private struct CommandInfo: Decodable {
        var commandName: String
        var defaultSubcommand: String?
        var subcommands: [CommandInfo]?
        var arguments: [ArgumentInfo]?
    }

    private struct ArgumentInfo: Decodable {
        var kind: String
        var names: [NameInfo]?
        var isRepeating: Bool?
    }

    private struct NameInfo: Decodable {
        var kind: String
        var name: String
    }
}

extension ParsableCommand {
    /// Parses the process's arguments, filled in from `BUGTRACKER_*`
    /// variables, and runs the command; on an error, prints it and exits.
    public static func mainWithEnvironment() async {
        let arguments = EnvironmentArguments.merge(
            Array(CommandLine.arguments.dropFirst()),
            environment: ProcessInfo.processInfo.environment,
            command: self
        )
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
