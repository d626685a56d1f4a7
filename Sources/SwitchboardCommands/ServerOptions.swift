import ArgumentParser
import JSONCore
import Logging
import MCPClient
import MCPTransport
import MCPWire
import Switchboard
import SwitchboardConfiguration

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

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds to wait for each answer (default 60, or the file's timeoutSeconds).", valueName: "seconds"))
    var timeoutOption: Double?

    var timeout: Double { timeoutOption ?? 60 }
    var timeoutGiven: Bool { timeoutOption != nil }

    @Option(name: .long, help: ArgumentHelp("A configuration file with an \"mcpServers\" object.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The server of the configuration file to use (--config, or the file discovery finds).", valueName: "name"))
    var server: String?

    @Flag(name: .long, help: "Show what the server writes to stderr.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Retries after a failed attempt, for calls safe to repeat (default 2).", valueName: "n"))
    var retry: Int?

    @Flag(name: .long, help: "Do not answer from the cache.")
    var noCache = false

    @Flag(name: .long, help: "Believe the server's tool annotations (read-only, idempotent) for caching and retries.")
    var trustAnnotations = false

    func validate() throws {
        let chosen = [stdio != nil, url != nil, config != nil].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("choose one of --stdio, --url or --config") }
        if server != nil && (stdio != nil || url != nil) { throw ValidationError("--server picks a server of the configuration file; it does not go with --stdio or --url") }
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

    /// A server to connect to.
    enum Endpoint {
        case stdio(ProcessConfiguration, StdioTransport.Options)
        case http(url: String, options: HTTPOptions, transport: HTTPTransportChoice)
    }

    /// Switchboard's settings for the chosen server: its interceptor chain and trust.
    struct Settings {
        var name: String?
        var interceptors: [JSONValue]
        var trustAnnotations: Bool
        var safeTools: [String] = []
        var file: String
    }

    /// The chosen server and the file it is in, when --config names one.
    ///
    /// Without --server, a command about one server uses the file's only enabled server; a
    /// file with several is an error that lists them (commands such as `tools` and `call`
    /// work across all of them instead).
    func configuredServer() throws(ConfigurationProblem) -> ConfiguredServer? {
        guard stdio == nil, url == nil else { return nil }
        let loader = ConfigurationFiles.loader
        guard let config = loader.locate(explicit: config)?.path else {
            guard let server else { return nil }
            throw ConfigurationProblem("--server \(server) needs a configuration file; none found at \(loader.searchedPlaces.joined(separator: ", "))")
        }
        let configuration = try ConfigurationFiles.load(config)
        guard let server else {
            let enabled = configuration.enabledServers
            guard enabled.count == 1 else {
                throw ConfigurationProblem(
                    "\(config) has \(enabled.count) servers (\(enabled.map(\.name).joined(separator: ", "))); pick one with --server NAME")
            }
            return ConfiguredServer(definition: enabled[0], settings: configuration.effectiveSettings(of: enabled[0]), file: config)
        }
        guard let definition = configuration.server(named: server) else {
            let names = configuration.servers.map(\.name)
            let hint = Suggestion.closest(to: server, in: names).map { "did you mean \"\($0)\"? " } ?? ""
            throw ConfigurationProblem("no server named \"\(server)\" in \(config); \(hint)it has: \(names.joined(separator: ", "))")
        }
        if definition.disabled { throw ConfigurationProblem("server \"\(server)\" is disabled in \(config) (\"disabled\": true)") }
        return ConfiguredServer(definition: definition, settings: configuration.effectiveSettings(of: definition), file: config)
    }

    /// The settings for the chosen server, from --config (when given) and the flags.
    func settings(_ configured: ConfiguredServer?) -> Settings {
        var settings = Settings(name: nil, interceptors: InterceptorRegistry.defaultChain, trustAnnotations: trustAnnotations, file: "(defaults)")
        if let configured {
            settings.name = configured.definition.name
            settings.interceptors = configured.settings.interceptors ?? InterceptorRegistry.defaultChain
            settings.trustAnnotations = trustAnnotations || configured.settings.trustAnnotations == true
            settings.safeTools = configured.settings.safeTools ?? []
            settings.file = configured.file
        }
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

    /// The pin file of the chosen server's configured "pinning" interceptor, if it has one.
    func configuredPinFile() throws(ConfigurationProblem) -> String? {
        for specification in settings(try configuredServer()).interceptors {
            if specification["name"]?.stringValue == "pinning", let file = specification["file"]?.stringValue { return file }
        }
        return nil
    }

    /// The endpoint these options name; the built-in demo server when none is named.
    func endpoint(_ configured: ConfiguredServer?) throws -> (Endpoint, description: String) {
        var stderrHandler: (@Sendable (String) -> Void)? = nil
        if verbose { stderrHandler = { @Sendable line in Terminal.error("[server] " + line) } }
        let stdioOptions = StdioTransport.Options(stderrHandler: stderrHandler)
        if let stdio {
            let words: [String]
            do { words = try CommandLineWords.split(stdio) } catch { throw ValidationError("\(error)") }
            guard let command = words.first else { throw ValidationError("--stdio needs a command") }
            let process = ProcessConfiguration(command: command, arguments: Array(words.dropFirst()), environment: environment)
            return (.stdio(process, stdioOptions), "stdio: \(stdio)")
        }
        if let url {
            return (.http(url: url, options: HTTPOptions(headers: headerPairs), transport: .automatic), url)
        }
        if let configured {
            let server = configured.definition.name
            switch configured.definition.primary {
            case .stdio(var process):
                process.environment.merge(environment) { _, new in new }
                return (.stdio(process, stdioOptions), "\(server) (stdio: \(process.commandLine))")
            case .http(let url, var headers, let transport):
                for (name, value) in headerPairs { headers[name] = value }
                let sorted = headers.keys.sorted().map { (name: $0, value: headers[$0]!) }
                return (.http(url: url, options: HTTPOptions(headers: sorted), transport: transport), "\(server) (\(Redaction.url(url)))")
            }
        }
        let demo = ProcessConfiguration(command: Terminal.executablePath, arguments: ["demo-server"])
        return (.stdio(demo, stdioOptions), "built-in demo server")
    }

    func clientConfiguration(
        _ configured: ConfiguredServer?,
        handlers: ClientHandlers = ClientHandlers()
    ) throws(ConfigurationProblem) -> ClientConfiguration {
        let settings = settings(configured)
        let interceptors: [any RequestInterceptor]
        do { interceptors = try InterceptorRegistry.standard.make(settings.interceptors, file: settings.file) } catch {
            throw ConfigurationProblem("\(error)")
        }
        // Flags win over the file, which wins over the defaults.
        let version = protocolVersion ?? configured?.settings.protocolVersion
        let timeout = timeoutGiven ? timeoutDuration : configured?.settings.timeoutSeconds.map { .milliseconds(Int64($0 * 1000)) } ?? timeoutDuration
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
            listenForChanges: .never
        )
    }

    /// Per-call options the flags imply.
    func requestOptions(timeline: CallTimeline? = nil) -> RequestOptions {
        RequestOptions(bypassCache: noCache, timeline: timeline)
    }

    /// Connects, runs `body`, closes. Failures become the documented exit codes.
    func withSession<Result: Sendable>(
        handlers: ClientHandlers = ClientHandlers(),
        _ body: (ClientSession) async throws -> Result
    ) async throws -> Result {
        let configured = try configuredServer()
        let (endpoint, _) = try endpoint(configured)
        let configuration = try clientConfiguration(configured, handlers: handlers)
        let session: ClientSession
        do {
            switch endpoint {
            case .stdio(let process, let options):
                session = try await ClientSession.connect(transport: StdioTransport(process, options: options), configuration: configuration)
            case .http(let url, let options, let transport):
                let http = try CommandEnvironment.requireHTTP()
                session = try await http.connect(url: url, options: options, transport: transport, configuration: configuration)
            }
        } catch let error as MCPError {
            throw CLIFailure(error)
        }
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch let error as MCPError {
            await session.close()
            throw CLIFailure(error)
        } catch {
            await session.close()
            throw error
        }
    }
}

/// Output format, shared by every client command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print exactly one JSON document on stdout.")
    var json = false
}

/// One server of a configuration file, with the file's defaults applied.
struct ConfiguredServer {
    var definition: ServerDefinition
    var settings: ServerSettings
    var file: String
}

/// Loading configuration files for the command line.
enum ConfigurationFiles {
    /// The checked configuration at `path`; its errors, each on a line, when it has any.
    static func load(_ path: String) throws(ConfigurationProblem) -> SwitchboardConfiguration {
        let loader = try loader(reading: path)
        do throws(ConfigError) { return try loader.load(path) } catch { throw ConfigurationProblem(error.description) }
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
        return error.description + "\nhint: compare with `switchboard pins`, then approve with `switchboard pins --approve TOOL` (same server options)"
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
        }
    }
}
