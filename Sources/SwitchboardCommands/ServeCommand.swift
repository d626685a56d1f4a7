import ArgumentParser
import MCPClient
import SwitchboardConfiguration
import SwitchboardHub

/// `switchboard serve`: the gateway.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every configured server behind one authenticated MCP endpoint (the gateway).",
        discussion: """
            Clients of every protocol revision connect to http://HOST:PORT/mcp (Streamable
            HTTP). Tools and prompts are named server__name; resources keep their URIs. A
            server that is down leaves the catalog until it is back; the others keep serving.

            Who may call is the configuration's "gateway" section: API keys ("apiKeys", sent
            as 'Authorization: Bearer <key>'), the roles they hold ("roles": globs of tools,
            resources and prompts to allow and deny), and what a caller without a key may do
            ("anonymous"). Without that section the gateway is open, and binds only to
            loopback. The file is watched: servers, keys and roles change without a restart.

            With no --config (and no configuration file found) it serves the built-in demo
            server. Every call, read and prompt, and every refused credential, goes to the audit
            log (SQLite in --data, hash-chained: `switchboard audit verify`); when it cannot be written,
            calls are refused. GET /healthz answers while the process runs; GET /readyz answers 200 once
            a server is ready and the audit log takes records, 503 otherwise. SIGTERM or SIGINT
            stops it after the requests in flight.

            With --stdio it serves the same catalog over stdin and stdout instead, to the
            process that started it (a desktop host's one entry for every server): that caller
            may use everything, and is audited as "stdio".
            """
    )

    @OptionGroup var upstream: GatewayUpstreamOptions
    @Flag(name: .long, help: "Serve over stdin and stdout instead of HTTP, to the process that started it.") var stdio = false
    @Option(name: .long, help: "The address to bind; anything but loopback needs a \"gateway\" section.") var host = "127.0.0.1"
    @Option(name: .long, help: "The port (0 picks a free one; the address is printed on stderr).") var port = 8080
    @Option(name: .long, help: "HTTP answers: auto, json or sse.") var responseMode = "auto"
    @Option(name: .long, help: "Seconds to wait for the servers to connect before listening (they keep trying after).")
    var startupSeconds: Double = 30
    @OptionGroup var data: DataDirectoryOption
    @Flag(name: .long, help: "Record nothing (no audit log).") var noAudit = false

    func validate() throws {
        guard ["auto", "json", "sse"].contains(responseMode) else { throw ValidationError("--response-mode must be auto, json or sse") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be a port number") }
        guard startupSeconds >= 0 else { throw ValidationError("--startup-seconds must be 0 or more") }
        if noAudit && data.data != nil { throw ValidationError("--no-audit and --data contradict each other: --data holds the audit log") }
    }

    func run() async throws {
        let http = try CommandEnvironment.requireHTTP()
        let server = try upstream.serverOptions()
        // Before the hub starts, so that its interceptors' metrics reach the registry.
        _ = PrometheusMetrics.registry
        let audit = noAudit ? nil : try data.auditLog()
        var selection = try server.selection()
        // A gateway lives long: a server it started that exits is started again.
        if selection.adHoc {
            selection.configuration.servers = selection.configuration.servers.map { definition in
                var definition = definition
                definition.settings.restart = nil
                return definition
            }
        }
        let configuration = selection.configuration
        let connector = try server.connector(for: configuration, signIn: .never)
        let options = server
        let chosen = selection
        let hub = Hub(configuration: configuration, connector: connector, options: server.connectionOptions) { definition, _ throws(ConfigError) in
            do throws(ConfigurationProblem) {
                return try options.clientConfiguration(for: definition, in: chosen, longLived: true)
            } catch {
                throw ConfigError(file: configuration.file, message: "server \"\(definition.name)\": \(error.description)")
            }
        }
        await hub.start(timeout: .milliseconds(Int64(startupSeconds * 1000)), maintain: true)
        ServerOptions.reportProblems(of: hub)
        // Reloads follow the file for as long as the gateway serves; cancelled when it stops.
        let watcher = selection.adHoc ? nil : hub.watch(file: configuration.file, loader: try ConfigurationFiles.loader(reading: configuration.file))
        let host = self.host
        let served = selection.description
        do {
            if stdio {
                Terminal.error("switchboard gateway on stdio (\(served); \(audit.map { "audit log \($0)" } ?? "no audit log"))")
                try await http.serveGatewayOverStdio(hub, auditFile: audit)
                watcher?.cancel()
                await hub.close()
                return
            }
            try await http.serveGateway(
                hub,
                host: host,
                port: port,
                responseMode: responseMode,
                auditFile: audit,
                metrics: PrometheusMetrics.exposition
            ) {
                port,
                access in
                let recorded = audit.map { "audit log \($0)" } ?? "no audit log"
                Terminal.error("switchboard gateway listening on http://\(Self.urlHost(host)):\(port)/mcp (\(served); \(access); \(recorded))")
            }
        } catch {
            watcher?.cancel()
            await hub.close()
            throw error
        }
        watcher?.cancel()
        await hub.close()
    }

    static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}

/// Where `serve` gets its servers: a configuration file (the default, found as every command
/// finds it), or one server given on the command line. (`--stdio` is serve's own flag, so a
/// spawned server is `--command`.)
struct GatewayUpstreamOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A configuration file with an \"mcpServers\" object.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Serve one server's HTTP endpoint instead of a file's servers.", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("An HTTP header for --url's every request, as 'Name: value'. Repeatable.", valueName: "header"))
    var header: [String] = []

    @Option(name: .long, help: ArgumentHelp("Serve one spawned server (a command line) instead of a file's servers.", valueName: "command line"))
    var command: String?

    @Option(name: .long, help: ArgumentHelp("An environment variable for --command's server, as NAME=value. Repeatable.", valueName: "assignment"))
    var env: [String] = []

    @Flag(name: .long, help: "Show what spawned servers write to stderr.")
    var verbose = false

    /// The same choice as the client commands' options, which do the rest.
    func serverOptions() throws -> ServerOptions {
        var arguments: [String] = []
        if let config { arguments += ["--config", config] }
        if let url { arguments += ["--url", url] }
        for value in header { arguments += ["--header", value] }
        if let command { arguments += ["--stdio", command] }
        for value in env { arguments += ["--env", value] }
        if verbose { arguments.append("--verbose") }
        return try ServerOptions.parse(arguments)
    }
}
