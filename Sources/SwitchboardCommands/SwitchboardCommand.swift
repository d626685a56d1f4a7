public import ArgumentParser

/// `switchboard`: use MCP servers from the shell.
public struct SwitchboardCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Use Model Context Protocol servers from the shell.",
        discussion: """
            With no server option, the built-in demo server is started and used, so every
            command works out of the box. Pick a server with --stdio '<command line>',
            --url URL, or --config FILE --server NAME.

            Exit codes: 0 ok, 1 the tool reported an error, 2 usage or invalid arguments,
            3 connection, protocol or sign-in failure (a server that needs a sign-in says to run
            `switchboard login NAME`), 4 timeout.
            """,
        version: "0.1.0",
        subcommands: [
            InfoCommand.self, ToolsCommand.self, CallCommand.self, ResourcesCommand.self, TemplatesCommand.self,
            ReadCommand.self, PromptsCommand.self, PromptCommand.self, BenchCommand.self, MetricsCommand.self, PinsCommand.self,
            ServersCommand.self, DoctorCommand.self, ConfigCommand.self, ServeCommand.self, KeysCommand.self, AuditCommand.self,
            DemoServerCommand.self,
            LoginCommand.self,
            LogoutCommand.self, AuthCommand.self,
        ]
    )

    public init() {}

    /// Runs the command, mapping usage errors to exit status 2 (ArgumentParser's default is
    /// 64), as the documented exit codes promise.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = fullMessage(for: error)
                if !message.isEmpty { Terminal.error(message) }
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
