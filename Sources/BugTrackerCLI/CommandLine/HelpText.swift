import Foundation
import ServiceKit

/// `--help`: what a command does, how to call it, and every option with its
/// default and its environment variable.
enum HelpText {
    static func render(_ command: Command, path: [String], topology: ServiceTopology) -> String {
        var lines = ["OVERVIEW: \(command.abstract)", ""]
        let invocation = path.joined(separator: " ")
        if command.run == nil {
            lines.append("USAGE: \(invocation) <command> [options]")
        } else {
            let arguments = command.arguments.map { " <\($0.name)>" }.joined()
            lines.append("USAGE: \(invocation)\(arguments)\(command.options.isEmpty ? "" : " [options]")")
        }
        if !command.arguments.isEmpty {
            lines += ["", "ARGUMENTS:"]
            for argument in command.arguments {
                lines += entry("<\(argument.name)>", argument.help)
            }
        }
        if !command.options.isEmpty {
            lines += ["", "OPTIONS:"]
            for option in command.options {
                let head = option.kind == .flag ? option.flag : "\(option.flag) <\(option.valueName.lowercased())>"
                var notes: [String] = []
                switch option.defaultValue {
                case .none: break
                case .values(let values) where values.isEmpty: break
                case .values(let values): notes.append("default: \(option.isSecret ? "(hidden)" : values.joined(separator: ","))")
                case .derived(let description, let derive):
                    notes.append("default: \(derive(topology).joined(separator: ",")) (\(description))")
                }
                notes.append("env: \(option.environmentVariable)")
                lines += entry(head, option.help + " (" + notes.joined(separator: "; ") + ")")
            }
        }
        if !command.subcommands.isEmpty {
            lines += ["", "COMMANDS:"]
            for subcommand in command.subcommands {
                let isDefault = subcommand.name == command.defaultSubcommand
                lines += entry(subcommand.name, subcommand.abstract + (isDefault ? " (the default)" : ""))
            }
            lines += ["", "See '\(invocation) <command> --help' for each command's options."]
        }
        lines += ["  -h, --help".padding(toLength: 28, withPad: " ", startingAt: 0) + "Show this help."]
        if let discussion = command.discussion { lines += ["", discussion] }
        return lines.joined(separator: "\n")
    }

    /// A head in a column of 26, its text wrapped at 100 characters.
    private static func entry(_ head: String, _ text: String) -> [String] {
        let indent = String(repeating: " ", count: 28)
        var lines: [String] = []
        var line = "  " + head
        if line.count >= 28 {
            lines.append(line)
            line = indent
        } else {
            line = line.padding(toLength: 28, withPad: " ", startingAt: 0)
        }
        var first = true
        for word in text.split(separator: " ") {
            if !first && line.count + 1 + word.count > 100 {
                lines.append(line)
                line = indent + word
            } else {
                line += (first ? "" : " ") + word
            }
            first = false
        }
        lines.append(line)
        return lines
    }
}
