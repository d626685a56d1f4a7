import ArgumentParser
import JSONCore
import Logging
import MCPClient
import MCPTransport
import MCPWire
import Switchboard
import SwitchboardConfiguration
import SwitchboardHub

/// Which server to talk to, and how. Shared by every client command.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Spawn a server and speak stdio to it.", valueName: "command line"))
    var stdio: String?

    @Option(name: .long, help: ArgumentHelp("A server's HTTP endpoint (Streamable HTTP, falling back to HTTP+SSE).", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("An HTTP header for every request, as 'Name: value'. Repeatable.", valueName: "header"))
    var header: [String] = []

    @Option(name: .long, help: ArgumentHelp("An environment variable for a spawned server, as NAME=value. Repeatable.", valueName: "assignment"))
    var env: [String] = []

    @Option(name: .long, help: ArgumentHelp("Use exactly this protocol version instead of negotiating.", valueName: "version"))
    var protocolVersion: String?

    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds to wait for each answer (default 60, or the file's timeoutSeconds).", valueName: "seconds")
    )
    var timeoutOption: Double?

    var timeout: Double { timeoutOption ?? 60 }
    var timeoutGiven: Bool { timeoutOption != nil }

    @Option(name: .long, help: ArgumentHelp("A configuration file with an \"mcpServers\" object.", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The server of the configuration file to use (--config, or the file discovery finds).", valueName: "name")
    )
    var server: String?

    @Flag(name: .long, help: "Show what the server writes to stderr.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Retries after a failed attempt, for calls safe to repeat (default 2).", valueName: "n"))
    var retry: Int?

    @Flag(name: .long, help: "Do not answer from the cache.")
    var noCache = false

    @Flag(name: .long, help: "Believe the server's tool annotations (read-only, idempotent) for caching and retries.")
    var trustAnnotations = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "When an HTTP server asks for a sign-in or more scope: 'browser' signs in there and then (the URL is shown when no browser opens), 'url' shows the URL to open, 'never' fails with the `switchboard login` to run. Default: 'browser' at a terminal, else 'never'.",
            valueName: "mode"
        )
    )
    var signIn: SignInMode?

    /// The sign-in mode in effect: the flag, else a browser when someone is at the terminal.
    var effectiveSignIn: SignInMode {
        signIn ?? (Terminal.stdinIsTerminal && Terminal.stderrIsTerminal ? .browser : .never)
    }

    func validate() throws {
        let chosen = [stdio != nil, url != nil, config != nil].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("choose one of --stdio, --url or --config") }
        if server != nil && (stdio != nil || url != nil) {
            throw ValidationError("--server picks a server of the configuration file; it does not go with --stdio or --url")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        if let retry, retry < 0 { throw ValidationError("--retry must be 0 or more") }
        for assignment in env where !assignment.contains("=") {
            throw ValidationError("--env expects NAME=value, got '\(assignment)'")
        }
        for line in header where !line.contains(":") {
            throw ValidationError("--header expects 'Name: value', got '\(line)'")
        }
        if let version = protocolVersion, !ProtocolVersion(version).isKnown {
            throw ValidationError(
                "unknown protocol version '\(version)'; use one of \(ProtocolVersion.supported.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    var timeoutDuration: Duration { .milliseconds(Int64(timeout * 1000)) }

    var headerPairs: [(name: String, value: String)] {
        header.map { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]).trimmed, parts.count > 1 ? String(parts[1]).trimmed : "")
        }
    }

    var environment: [String: String] {
        var result: [String: String] = [:]
        for assignment in env {
            let parts = assignment.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    /// Switchboard's settings for one server: its interceptor chain, trust and safe tools.
    struct Settings {
        /// The server's name in metrics and caches; `nil` for a server named on the command
        /// line, which goes by the name it reports.
        var name: String?
        var interceptors: [JSONValue]
        var trustAnnotations: Bool
        var safeTools: [String] = []
        var file: String
    }

    /// The servers a command works with, as a hub's configuration: the file's servers (all,
    /// or the one `--server` names), or a single server from `--stdio` or `--url`, or the
    /// built-in demo server when nothing names one.
    struct Selection {
        var configuration: SwitchboardConfiguration
        /// The one server a command about one server uses; `nil` when several are selected.
        var only: String?
        /// Named on the command line (or the built-in demo), not read from a file.
        var adHoc: Bool
        /// How to show it: a command line, a URL, or a configured server's name with its endpoint.
        var description: String

        /// The server commands about one server use, or an error listing the choices.
        func single() throws(ConfigurationProblem) -> String {
            if let only { return only }
            let enabled = configuration.enabledServers.map(\.name)
            throw ConfigurationProblem(
                "\(configuration.file) has \(enabled.count) servers (\(enabled.joined(separator: ", "))); pick one with --server NAME"
            )
        }
    }

    /// The name a server named on the command line goes by in messages: its command's file
    /// name, or its URL's host.
    static func adHocName(command: String) -> String {
        let name = command.split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty ? "server" : name
    }

    static func adHocName(url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return "server" }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return host.isEmpty ? "server" : host
    }

    /// What these options select (see ``Selection``).
    func selection() throws(ConfigurationProblem) -> Selection {
        let file = "(command line)"
        // A one-shot command gains nothing from restarting a server it started that exits.
        let noRestart = ServerSettings(restart: RestartSettings(enabled: false))
        if let stdio {
            let words: [String]
            do { words = try CommandLineWords.split(stdio) } catch { throw ConfigurationProblem("--stdio: \(error)") }
            guard let command = words.first else { throw ConfigurationProblem("--stdio needs a command") }
            let process = ProcessConfiguration(command: command, arguments: Array(words.dropFirst()), environment: environment)
            let server = ServerDefinition(name: Self.adHocName(command: command), endpoints: [.stdio(process)], settings: noRestart)
            return Selection(
                configuration: SwitchboardConfiguration(file: file, servers: [server]),
                only: server.name,
                adHoc: true,
                description: "stdio: \(stdio)"
            )
        }
        if let url {
            let headers = Dictionary(headerPairs.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
            let server = ServerDefinition(name: Self.adHocName(url: url), endpoints: [.http(url: url, headers: headers, transport: .automatic)])
            let configuration = SwitchboardConfiguration(
                file: file,
                servers: [server],
                tokenStore: try ConfigurationFiles.tokenStore(forFileAt: config)
            )
            return Selection(configuration: configuration, only: server.name, adHoc: true, description: url)
        }
        let loader = ConfigurationFiles.loader
        guard let path = loader.locate(explicit: config)?.path else {
            if let server {
                throw ConfigurationProblem(
                    "--server \(server) needs a configuration file; none found at \(loader.searchedPlaces.joined(separator: ", "))"
                )
            }
            let demo = ProcessConfiguration(command: Terminal.executablePath, arguments: ["demo-server"], environment: environment)
            let definition = ServerDefinition(name: "demo", endpoints: [.stdio(demo)], settings: noRestart)
            return Selection(
                configuration: SwitchboardConfiguration(file: "(built-in)", servers: [definition]),
                only: definition.name,
                adHoc: true,
                description: "built-in demo server"
            )
        }
        var configuration = try ConfigurationFiles.load(path)
        // --env and --header apply to the file's servers too.
        configuration.servers = configuration.servers.map { server in
            var server = server
            server.endpoints = server.endpoints.map(withCommandLineAdditions)
            return server
        }
        if let server {
            guard let definition = configuration.server(named: server) else {
                let names = configuration.servers.map(\.name)
                let hint = Suggestion.closest(to: server, in: names).map { "did you mean \"\($0)\"? " } ?? ""
                throw ConfigurationProblem("no server named \"\(server)\" in \(path); \(hint)it has: \(names.joined(separator: ", "))")
            }
            if definition.disabled { throw ConfigurationProblem("server \"\(server)\" is disabled in \(path) (\"disabled\": true)") }
            configuration.servers = [definition]
        }
        let enabled = configuration.enabledServers
        let only = enabled.count == 1 ? enabled[0].name : nil
        let description = only.flatMap { name in configuration.server(named: name).map { "\(name) (\($0.primary))" } } ?? path
        return Selection(configuration: configuration, only: only, adHoc: false, description: description)
    }

    /// `endpoint` with `--env` added to a process's environment and `--header` to an HTTP
    /// endpoint's headers (the command line wins).
    private func withCommandLineAdditions(_ endpoint: Endpoint) -> Endpoint {
        switch endpoint {
        case .stdio(var process):
            process.environment.merge(environment) { _, new in new }
            return .stdio(process)
        case .http(let url, var headers, let transport):
            for (name, value) in headerPairs { headers[name] = value }
            return .http(url: url, headers: headers, transport: transport)
        }
    }

    /// The pin file of the selected server's configured "pinning" interceptor, if it has one.
    func configuredPinFile() throws(ConfigurationProblem) -> String? {
        let selection = try selection()
        guard let definition = selection.configuration.server(named: try selection.single()) else { return nil }
        for specification in settings(for: definition, in: selection).interceptors {
            if specification["name"]?.stringValue == "pinning", let file = specification["file"]?.stringValue { return file }
        }
        return nil
    }

    /// The settings for `definition`, from its configuration and the flags.
    func settings(for definition: ServerDefinition, in selection: Selection) -> Settings {
        let configured = selection.configuration.effectiveSettings(of: definition)
        var settings = Settings(
            name: selection.adHoc ? nil : definition.name,
            interceptors: configured.interceptors ?? InterceptorRegistry.defaultChain,
            trustAnnotations: trustAnnotations || configured.trustAnnotations == true,
            safeTools: configured.safeTools ?? [],
            file: selection.configuration.file
        )
        if let retry {
            // --retry N means N retries, N + 1 attempts, in the configured retry or a new one.
            var replaced = false
            settings.interceptors = settings.interceptors.map { specification in
                guard specification.stringValue == "retry" || specification["name"]?.stringValue == "retry" else { return specification }
                replaced = true
                var object = specification.objectValue ?? ["name": "retry"]
                object["maxAttempts"] = .int(retry + 1)
                return .object(object)
            }
            if !replaced { settings.interceptors.append(["name": "retry", "maxAttempts": .int(retry + 1)]) }
        }
        return settings
    }

    /// The client configuration of `definition`: its chain, timeouts and version, flags over file.
    ///
    /// - Parameter longLived: the session serves for long (`serve`): it listens for the
    ///   server's list changes, so the catalog it feeds follows them.
    func clientConfiguration(
        for definition: ServerDefinition,
        in selection: Selection,
        handlers: ClientHandlers = ClientHandlers(),
        longLived: Bool = false
    ) throws(ConfigurationProblem) -> ClientConfiguration {
        let settings = settings(for: definition, in: selection)
        let configured = selection.configuration.effectiveSettings(of: definition)
        let interceptors: [any RequestInterceptor]
        do { interceptors = try InterceptorRegistry.standard.make(settings.interceptors, file: settings.file) } catch {
            throw ConfigurationProblem("\(error)")
        }
        // Flags win over the file, which wins over the defaults.
        let version = protocolVersion ?? configured.protocolVersion
        let timeout = timeoutGiven ? timeoutDuration : configured.timeoutSeconds.map { .milliseconds(Int64($0 * 1000)) } ?? timeoutDuration
        return ClientConfiguration(
            handlers: handlers,
            pinnedVersion: version.map(ProtocolVersion.init(rawValue:)),
            defaultTimeout: timeout,
            probeTimeout: min(timeout, .seconds(10)),
            serverName: settings.name,
            interceptors: interceptors,
            trustToolAnnotations: settings.trustAnnotations,
            safeTools: settings.safeTools,
            // One command, one short session: nothing lives long enough to go stale.
            listenForChanges: longLived ? .always : .never
        )
    }

    /// Per-call options the flags imply.
    func requestOptions(timeline: CallTimeline? = nil) -> RequestOptions {
        RequestOptions(bypassCache: noCache, timeline: timeline)
    }

    /// The connector for `configuration`'s servers: stdio here; when any server needs HTTP,
    /// `switchboard-http`'s (the lean binary is replaced by it first, before anything starts).
    func connector(for configuration: SwitchboardConfiguration, signIn: SignInMode? = nil) throws -> any EndpointConnector {
        let mode = signIn ?? effectiveSignIn
        guard configuration.enabledServers.contains(where: \.usesHTTP) else {
            return CommandEnvironment.http?.connector(for: configuration, signIn: mode) ?? StdioConnector()
        }
        return try CommandEnvironment.requireHTTP().connector(for: configuration, signIn: mode)
    }

    /// How the selected servers are reached: their stderr shown with --verbose.
    var connectionOptions: ConnectionOptions {
        var options = ConnectionOptions()
        if verbose { options.stdio.stderrHandler = { @Sendable line in Terminal.error("[server] " + line) } }
        return options
    }

    /// Starts a hub over the selected servers (only `servers` when given), runs `body`, closes
    /// it. Failures become the documented exit codes.
    func withHub<Result: Sendable>(
        _ selection: Selection,
        handlers: ClientHandlers = ClientHandlers(),
        servers: Set<String>? = nil,
        _ body: (Hub) async throws -> Result
    ) async throws -> Result {
        let configuration = selection.configuration
        let connector = try connector(for: configuration)
        let options = self
        let hub = Hub(configuration: configuration, connector: connector, options: connectionOptions) { server, _ throws(ConfigError) in
            do throws(ConfigurationProblem) {
                return try options.clientConfiguration(for: server, in: selection, handlers: handlers)
            } catch {
                throw ConfigError(file: configuration.file, message: "server \"\(server.name)\": \(error.description)")
            }
        }
        // One command: failed servers are reported, not retried in the background.
        await hub.start(timeout: timeoutDuration, maintain: false, servers: servers)
        do {
            let result = try await body(hub)
            await hub.close()
            return result
        } catch let error as MCPError {
            await hub.close()
            throw CLIFailure(error)
        } catch {
            await hub.close()
            throw error
        }
    }

    /// Runs `body` with the session of the one selected server (its only replica, or the
    /// healthiest); a server that could not connect fails with its own typed error.
    func withSession<Result: Sendable>(
        handlers: ClientHandlers = ClientHandlers(),
        _ body: (ClientSession) async throws -> Result
    ) async throws -> Result {
        let selection = try selection()
        let name = try selection.single()
        return try await withHub(selection, handlers: handlers, servers: [name]) { hub in
            try await body(try hub.session(for: name))
        }
    }

    /// Reports servers that could not be reached and tool names offered twice, on stderr.
    static func reportProblems(of hub: Hub) {
        for status in hub.statuses {
            if let error = status.error { Terminal.error("warning: server \"\(status.name)\" is not available: \(error)") }
        }
        for collision in hub.collisions { Terminal.error("warning: \(collision)") }
    }
}

/// Output format, shared by every client command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print exactly one JSON document on stdout.")
    var json = false
}

/// Loading configuration files for the command line.
enum ConfigurationFiles {
    /// The checked configuration at `path`; its errors, each on a line, when it has any.
    /// Its token store is the one it will be: ``tokenStore(configured:)``.
    static func load(_ path: String) throws(ConfigurationProblem) -> SwitchboardConfiguration {
        let loader = try loader(reading: path)
        var configuration: SwitchboardConfiguration
        do throws(ConfigError) { configuration = try loader.load(path) } catch { throw ConfigurationProblem(error.description) }
        configuration.tokenStore = try tokenStore(configured: configuration.tokenStore)
        return configuration
    }

    /// Where sign-ins are kept: `SWITCHBOARD_TOKEN_STORE`, else `configured` (a file's
    /// `"tokenStore"`), else the token file.
    static func tokenStore(configured: TokenStoreKind?) throws(ConfigurationProblem) -> TokenStoreKind {
        let variable = TokenStoreKind.environmentVariable
        guard let text = Terminal.environment[variable], !text.isEmpty else { return configured ?? .file }
        guard let kind = TokenStoreKind(rawValue: text) else {
            let names = TokenStoreKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationProblem("\(variable) must be one of \(names), not \"\(text)\"")
        }
        return kind
    }

    /// Where sign-ins are kept, for a command without a configuration of its own (`--url`,
    /// `auth status`): the store the file `explicit` names, else the one in the file the usual
    /// search finds. A file found by the search that cannot be read is passed over, since the
    /// command never asked for it; `explicit` has to read.
    static func tokenStore(forFileAt explicit: String?) throws(ConfigurationProblem) -> TokenStoreKind {
        if let explicit { return try load(explicit).tokenStore ?? .file }
        let configured = loader.locate(explicit: nil).flatMap { located in try? loader.load(located.path).tokenStore }
        return try tokenStore(configured: configured)
    }

    /// A loader able to read `path`: for YAML, the lean binary hands the command to `switchboard-http`.
    static func loader(reading path: String) throws(ConfigurationProblem) -> ConfigurationLoader {
        var loader = loader
        if ConfigurationDocument.isYAML(path) { loader.yaml = try CommandEnvironment.requireYAML() }
        return loader
    }

    static var loader: ConfigurationLoader {
        ConfigurationLoader(environment: Terminal.environment, yaml: CommandEnvironment.yaml)
    }
}

/// A configuration file that cannot be used: reported without a usage banner, exit status 2.
struct ConfigurationProblem: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// An error reported to the user with the exit code its kind calls for.
struct CLIFailure: Error, CustomStringConvertible {
    let error: MCPError

    init(_ error: MCPError) { self.error = error }

    var description: String {
        guard error.code == .toolChanged else { return error.description }
        return error.description
            + "\nhint: compare with `switchboard pins`, then approve with `switchboard pins --approve TOOL` (same server options)"
    }

    var exitCode: Int32 { Self.exitCode(for: error.code) }

    static func exitCode(for code: MCPError.Code) -> Int32 {
        switch code {
        case .toolError: return 1
        case .invalidArguments: return 2
        case .timeout: return 4
        default: return 3
        }
    }
}

extension String {
    var trimmed: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}

extension AsyncParsableCommand {
    /// Runs a command body, turning ``CLIFailure`` into a message on stderr and its exit code.
    func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CLIFailure {
            Terminal.error("error: \(failure)")
            throw ExitCode(failure.exitCode)
        } catch let problem as ConfigurationProblem {
            Terminal.error("error: \(problem)")
            throw ExitCode(2)
        } catch let failure as SignInFailure {
            Terminal.error("error: \(failure)")
            throw ExitCode(3)
        }
    }
}
