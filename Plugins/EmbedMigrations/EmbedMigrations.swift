import Foundation
import PackagePlugin

/// Turns the target's `<folder>/NNNN_name.sql` files (the `Migrations/`
/// folder), and the `NNNN_name.shared` files that point at one of them, into
/// Swift string literals, so the binaries carry their migrations
/// and run from any directory, while the SQL files stay the only copy anyone
/// edits.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let files = (Array(module.sourceFiles(withSuffix: "sql")) + Array(module.sourceFiles(withSuffix: "shared"))).map(\.url)
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrationFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations from \(module.directoryURL.lastPathComponent)/",
                executable: try context.tool(named: "embed-migrations").url,
                arguments: [module.directoryURL.path, output.path],
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
