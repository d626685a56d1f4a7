import ArgumentParser
import JSONCore
import MCPClient
import MCPWire
import Switchboard
import SwitchboardConfiguration

struct PinsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pins",
        abstract: "Compare the server's tools with their pins, and approve changed definitions.",
        discussion: """
            Tool pinning (the "pinning" interceptor) records a hash of each tool's name,
            description, input schema and annotations when first seen, and blocks calls to a
            tool whose definition changed since. This command shows each tool's state
            (approved, changed, unpinned) and, with --approve, pins the current definitions.

              switchboard pins --file pins.json --config mcp.json --server files
              switchboard pins --file pins.json --approve read_file --config mcp.json --server files

            Without --file, the pin file of the server's configured "pinning" interceptor is
            used. Exit status 1 means a tool changed and was not approved.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The pin file.", valueName: "path")) var file: String?
    @Option(name: .long, help: ArgumentHelp("Approve this tool's current definition (repeatable).", valueName: "tool"))
    var approve: [String] = []
    @Flag(name: .long, help: "Approve every tool's current definition.") var approveAll = false
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            guard let path = try file ?? server.configuredPinFile() else {
                throw ConfigurationProblem("no pin file: give --file, or configure a \"pinning\" interceptor with \"file\" for this server")
            }
            let pins = ToolPinningInterceptor(mode: .block, file: path)
            if let problem = pins.fileProblem {
                throw ConfigurationProblem(
                    "\(problem.file): \(problem.message); nothing was compared or approved. Restore or repair it, or remove it to pin every tool afresh."
                )
            }
            try await server.withSession { session in
                let tools = try await session.allTools(options: RequestOptions(bypassCache: true))
                let names = Set(tools.map(\.name))
                if let unknown = approve.first(where: { !names.contains($0) }) {
                    throw MCPError(.invalidArguments, "the server has no tool named '\(unknown)'")
                }
                let serverName = session.serverName
                for tool in tools where approveAll || approve.contains(tool.name) {
                    do { try pins.approve(tool, server: serverName) } catch { throw ConfigurationProblem("\(error)") }
                }
                let states = tools.map { (tool: $0.name, state: pins.state(of: $0, server: serverName)) }
                if output.json {
                    let rows = states.map { JSONValue.object(["tool": .string($0.tool), "state": .string($0.state.rawValue)]) }
                    Terminal.output(
                        JSONValue.object(["server": .string(serverName), "file": .string(path), "tools": .array(rows)]).serializedString(
                            options: .prettyPrinted
                        )
                    )
                } else {
                    var table = TextTable("tool", "state")
                    for row in states { table.add(row.tool, row.state.rawValue) }
                    Terminal.output(states.isEmpty ? "(no tools)" : table.render())
                }
                if states.contains(where: { $0.state == .changed }) { throw ExitCode(1) }
            }
        }
    }
}
