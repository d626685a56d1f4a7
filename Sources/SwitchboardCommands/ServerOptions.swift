import ArgumentParser
import JSONCore
import Logging
import MCPClient
import MCPTransport
import MCPWire
import Switchboard

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

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for each answer.", valueName: "seconds"))
    var timeout: Double = 60

    @Option(name: .long, help: ArgumentHelp("A configuration file with an \"mcpServers\" object.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The server in --config to use.", valueName: "name"))
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
        if config != nil && server == nil { throw ValidationError("--config needs --server NAME") }
        if server != nil && config == nil { throw ValidationError("--server needs --config FILE") }
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
        var file: String
    }

    /// The chosen server's entry and the file's top-level settings, when --config names one.
    func configuredServer() throws(ConfigurationProblem) -> (entry: ServerEntry, file: ConfigurationFile)? {
        guard let config, let server else { return nil }
        let text: String
        do { text = try Terminal.readFile(config) } catch { throw ConfigurationProblem("cannot read \(config): \(error)") }
        let parsed: ConfigurationFile
        do { parsed = try ServerConfigFile.parseFile(text, file: config) } catch { throw ConfigurationProblem("\(error)") }
        guard let entry = parsed.servers.first(where: { $0.name == server }) else {
            throw ConfigurationProblem("no server named \"\(server)\" in \(config); it has: \(parsed.servers.map(\.name).joined(separator: ", "))")
        }
        return (entry, parsed)
    }

    /// The settings for the chosen server, from --config (when given) and the flags.
    func settings(_ configured: (entry: ServerEntry, file: ConfigurationFile)?) -> Settings {
        var settings = Settings(name: nil, interceptors: InterceptorRegistry.defaultChain, trustAnnotations: trustAnnotations, file: "(defaults)")
        if let (entry, parsed) = configured, let config {
            settings.name = entry.name
            settings.interceptors = entry.settings.interceptors ?? parsed.interceptors ?? InterceptorRegistry.defaultChain
            settings.trustAnnotations = trustAnnotations || entry.settings.trustAnnotations
            settings.file = config
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
    func endpoint(_ configured: (entry: ServerEntry, file: ConfigurationFile)?) throws -> (Endpoint, description: String) {
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
        if let (entry, _) = configured {
            let server = entry.name
            switch entry.kind {
            case .stdio(var process):
                process.environment.merge(environment) { _, new in new }
                return (.stdio(process, stdioOptions), "\(server) (stdio: \(process.commandLine))")
            case .http(let url, var headers, let transport):
                for (name, value) in headerPairs { headers[name] = value }
                let sorted = headers.keys.sorted().map { (name: $0, value: headers[$0]!) }
                return (.http(url: url, options: HTTPOptions(headers: sorted), transport: transport), "\(server) (\(url))")
            }
        }
        let demo = ProcessConfiguration(command: Terminal.executablePath, arguments: ["demo-server"])
        return (.stdio(demo, stdioOptions), "built-in demo server")
    }

    func clientConfiguration(
        _ configured: (entry: ServerEntry, file: ConfigurationFile)?,
        handlers: ClientHandlers = ClientHandlers()
    ) throws(ConfigurationProblem) -> ClientConfiguration {
        let settings = settings(configured)
        let interceptors: [any RequestInterceptor]
        do { interceptors = try InterceptorRegistry.standard.make(settings.interceptors, file: settings.file) } catch {
            throw ConfigurationProblem("\(error)")
        }
        return ClientConfiguration(
            handlers: handlers,
            pinnedVersion: protocolVersion.map(ProtocolVersion.init(rawValue:)),
            defaultTimeout: timeoutDuration,
            probeTimeout: min(timeoutDuration, .seconds(10)),
            serverName: settings.name,
            interceptors: interceptors,
            trustToolAnnotations: settings.trustAnnotations,
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
