import Foundation
public import ServiceKit

/// Parses a command line against a tree of `Command`s and runs the one it
/// names: every option checked against the declared ones (an unknown one,
/// a missing value or a value given twice is refused with the usage), the
/// environment's `BUGTRACKER_*` variables filling in the options not given,
/// `--help` at any level.
public struct CommandLineTool: Sendable {
    public let root: Command
    /// Where options that point at other services find them by default.
    public let topology: ServiceTopology

    public init(root: Command, topology: ServiceTopology) {
        self.root = root
        self.topology = topology
    }

    /// What parsing found to do.
    enum Outcome {
        case run(Command, Invocation)
        case help(String)
    }

    /// A command line that does not fit its command: printed with the usage.
    struct UsageError: Error, CustomStringConvertible {
        let description: String
        let usage: String
    }

    /// Runs the process's own command line and exits with its status.
    public func main() async -> Never {
        let status = await run(
            Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment, isProcessMain: true)
        exit(status)
    }

    /// Runs `arguments` (without the program name) and returns the exit
    /// status: 0, 1 for a failure, 64 for a command line that does not fit.
    public func run(_ arguments: [String], environment: [String: String], isProcessMain: Bool = false) async -> Int32 {
        do {
            switch try parse(arguments, environment: environment, isProcessMain: isProcessMain) {
            case .help(let text):
                print(text)
                return 0
            case .run(let command, let invocation):
                try await command.run?(invocation)
                return 0
            }
        } catch let error as UsageError {
            printError("Error: \(error.description)\n\(error.usage)")
            return 64
        } catch {
            printError("Error: \(error)")
            return 1
        }
    }

    func parse(_ arguments: [String], environment: [String: String], isProcessMain: Bool) throws -> Outcome {
        var command = root
        var path = [root.name]
        var index = 0
        // Subcommand names at the front; with none, the default one.
        while index < arguments.count, let next = command.subcommands.first(where: { $0.name == arguments[index] }) {
            command = next
            path.append(next.name)
            index += 1
        }
        if command.run == nil, index < arguments.count,
            arguments[index] == "--help" || arguments[index] == "-h" || arguments[index] == "help"
        {
            return .help(HelpText.render(command, path: path, topology: topology))
        }
        if command.run == nil, let name = command.defaultSubcommand, let next = command.subcommands.first(where: { $0.name == name }) {
            command = next
            path.append(next.name)
        }
        let usage = "See '\(path.joined(separator: " ")) --help'."
        guard command.run != nil else {
            let names = command.subcommands.map(\.name).joined(separator: ", ")
            let given = index < arguments.count ? "unknown command '\(arguments[index])'" : "a command is needed"
            throw UsageError(description: "\(given); the commands are \(names)", usage: usage)
        }
        let rest = Array(arguments[index...])
        if rest.contains("--help") || rest.contains("-h") {
            return .help(HelpText.render(command, path: path, topology: topology))
        }
        let (given, positionals) = try Self.scan(rest, options: command.options, usage: usage)
        guard positionals.count == command.arguments.count else {
            let expected = command.arguments.map { "<\($0.name)>" }.joined(separator: " ")
            let description =
                positionals.count > command.arguments.count
                ? "unexpected argument '\(positionals[command.arguments.count])'"
                : "missing \(expected.isEmpty ? "nothing" : expected)"
            throw UsageError(description: description, usage: usage)
        }
        let values = OptionValues(options: command.options, given: given, environment: environment, topology: topology)
        return .run(
            command,
            Invocation(path: path, arguments: positionals, options: values, environment: environment, isProcessMain: isProcessMain)
        )
    }

    /// Splits `arguments` into option values (by name) and positional
    /// arguments, refusing what the options do not allow.
    static func scan(_ arguments: [String], options: [CommandOption], usage: String) throws -> ([String: [String]], [String]) {
        var byName: [String: CommandOption] = [:]
        for option in options { byName[option.name] = option }
        var given: [String: [String]] = [:]
        var positionals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positionals += arguments[index...]
                break
            }
            guard argument.hasPrefix("--") else {
                guard !argument.hasPrefix("-") || argument == "-" || Double(argument) != nil else {
                    throw UsageError(description: "unknown option '\(argument)'", usage: usage)
                }
                positionals.append(argument)
                continue
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            guard let option = byName[name] else {
                throw UsageError(description: "unknown option '--\(name)'", usage: usage)
            }
            let value: String
            switch option.kind {
            case .flag:
                value = inline ?? "true"
            case .value, .list:
                if let inline {
                    value = inline
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw UsageError(description: "--\(name) needs a value (\(option.valueName))", usage: usage)
                    }
                    value = arguments[index]
                    index += 1
                }
            }
            if option.kind != .list, given[name] != nil {
                throw UsageError(description: "--\(name) is given more than once", usage: usage)
            }
            given[name, default: []].append(value)
        }
        return (given, positionals)
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
