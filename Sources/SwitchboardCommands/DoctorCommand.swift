import ArgumentParser
import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub

#if canImport(Glibc)
import Glibc
#endif

/// `switchboard doctor`: checks each server step by step and names the first step that fails.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check each configured server step by step, and say how to fix the first step that fails.",
        discussion: """
            Steps: the command is found (stdio) or the URL is usable (HTTP); the process starts or
            the endpoint answers; the handshake (or server/discover) succeeds; the protocol
            version; authorization (HTTP); the tools are listed. Exit 0 when every enabled server
            passes, 3 when any fails. --server NAME checks one.
            """
    )

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    /// One step's outcome.
    struct Step {
        var name: String
        var passed: Bool
        var detail: String
        var hint: String?
    }

    func run() async throws {
        try await reporting {
            let loader = ConfigurationFiles.loader
            guard let located = loader.locate(explicit: server.config) else {
                throw ConfigurationProblem("`doctor` needs a configuration file; none found at \(loader.searchedPlaces.joined(separator: ", "))")
            }
            let configuration = try ConfigurationFiles.load(located.path)
            var servers = configuration.enabledServers
            if let name = server.server {
                guard let one = configuration.server(named: name) else {
                    throw ConfigurationProblem("no server named \"\(name)\" in \(located.path)")
                }
                servers = [one]
            }
            // A diagnosis reports what a sign-in lacks; it never starts one.
            let connector = try server.connector(
                for: SwitchboardConfiguration(file: configuration.file, servers: servers, tokenStore: configuration.tokenStore),
                signIn: .never
            )
            // Every server at once (a hung one costs its timeout, not everyone's); reported in file order.
            var results: [String: [Step]] = [:]
            await withTaskGroup(of: (String, [Step]).self) { group in
                for definition in servers {
                    group.addTask { (definition.name, await check(definition, in: configuration, connector: connector)) }
                }
                for await (name, steps) in group { results[name] = steps }
            }
            let report = servers.map { ($0.name, results[$0.name] ?? []) }
            if output.json {
                let items: [JSONValue] = report.map { name, steps in
                    [
                        "server": .string(name), "passed": .bool(steps.allSatisfy(\.passed)),
                        "steps": .array(
                            steps.map { step in
                                var object: JSONObject = ["step": .string(step.name), "passed": .bool(step.passed), "detail": .string(step.detail)]
                                if let hint = step.hint { object["hint"] = .string(hint) }
                                return .object(object)
                            }
                        ),
                    ]
                }
                Terminal.output(
                    JSONValue.object(["file": .string(located.path), "servers": .array(items)]).serializedString(options: .prettyPrinted)
                )
            } else {
                for (name, steps) in report {
                    Terminal.output(name)
                    for step in steps {
                        Terminal.output("  \(step.passed ? "ok  " : "FAIL") \(step.name): \(step.detail)")
                        if let hint = step.hint { Terminal.output("       fix: \(hint)") }
                    }
                }
            }
            if report.contains(where: { !$0.1.allSatisfy(\.passed) }) { throw ExitCode(3) }
        }
    }

    /// The steps for one server, up to the first that fails.
    func check(_ definition: ServerDefinition, in configuration: SwitchboardConfiguration, connector: any EndpointConnector) async -> [Step] {
        var steps: [Step] = []
        let endpoint = definition.primary
        switch endpoint {
        case .stdio(let process):
            guard let path = Self.find(process.command, path: process.environment["PATH"] ?? Terminal.environment["PATH"] ?? "") else {
                steps.append(
                    Step(
                        name: "command found",
                        passed: false,
                        detail: "'\(process.command)' is not an executable file or on PATH",
                        hint: "install it, or give its full path in \"command\""
                    )
                )
                return steps
            }
            steps.append(Step(name: "command found", passed: true, detail: path))
        case .http(let url, _, _):
            steps.append(Step(name: "URL", passed: true, detail: Redaction.url(url)))
        }
        let settings = configuration.effectiveSettings(of: definition)
        let timeout = server.timeoutGiven ? server.timeoutDuration : .seconds(15)
        let clientConfiguration = ClientConfiguration(
            pinnedVersion: settings.protocolVersion.map(ProtocolVersion.init(rawValue:)),
            defaultTimeout: timeout,
            probeTimeout: min(timeout, .seconds(10)),
            serverName: definition.name,
            listenForChanges: .never
        )
        let session: ClientSession
        do {
            var options = server.connectionOptions
            options.stdio.restart = .never
            session = try await connector.connect(endpoint, options: options, configuration: clientConfiguration)
        } catch {
            let step = Self.diagnose(error, endpoint: endpoint, server: definition.name)
            if step.name == "authorization", case .http(let url, _, _) = endpoint, let http = CommandEnvironment.http {
                steps += await signInSteps(
                    url: url,
                    definition: definition,
                    settings: settings,
                    refusal: error,
                    signIn: http.signIn(store: configuration.tokenStore ?? .file)
                )
            } else {
                steps.append(step)
            }
            return steps
        }
        defer { Task { await session.close() } }
        let started = endpoint.isStdio ? "the process started" : "the endpoint answered"
        steps.append(Step(name: endpoint.isStdio ? "process starts" : "endpoint answers", passed: true, detail: started))
        let version = session.protocolVersion?.rawValue ?? "?"
        steps.append(Step(name: "handshake", passed: true, detail: session.era == .modern ? "server/discover answered" : "initialize completed"))
        steps.append(
            Step(
                name: "version",
                passed: true,
                detail:
                    "\(version) (\(session.era.map { "\($0)" } ?? "?")), server \(session.serverInfo.map { "\($0.name) \($0.version)" } ?? "unnamed")"
            )
        )
        if !endpoint.isStdio { steps.append(Step(name: "authorization", passed: true, detail: "accepted")) }
        do {
            let tools = try await session.allTools()
            let offered = tools.filter { settings.offersTool($0.name) }
            let filtered = tools.count - offered.count
            steps.append(
                Step(
                    name: "tools listed",
                    passed: true,
                    detail: "\(offered.count) tools" + (filtered > 0 ? " (\(filtered) filtered out by allowTools/denyTools)" : "")
                )
            )
        } catch {
            steps.append(
                Step(
                    name: "tools listed",
                    passed: false,
                    detail: error.message,
                    hint: "the server connected but cannot list tools; check its own logs (--verbose shows its stderr)"
                )
            )
        }
        await session.close()
        return steps
    }

    /// The sign-in, step by step, for a server that refused the connection for its credentials:
    /// the challenge, the metadata, the authorization server, the registration, the stored
    /// sign-in; and when all of those are in order, the refusal itself.
    func signInSteps(
        url: String,
        definition: ServerDefinition,
        settings: ServerSettings,
        refusal: MCPError,
        signIn: any SignInSupport
    ) async -> [Step] {
        let checks = await signIn.diagnose(url: url, name: definition.name, oauth: settings.oauth)
        var steps = checks.map { Step(name: $0.name, passed: $0.passed, detail: $0.detail, hint: $0.hint) }
        if checks.allSatisfy(\.passed) {
            let status = refusal.transportError?.httpStatus
            steps.append(
                Step(
                    name: "authorization",
                    passed: false,
                    detail: refusal.message,
                    hint: status == 403
                        ? "the sign-in lacks what the server asks for; `switchboard login \(definition.name) --scope \"...\"` with the scopes it names"
                        : "the server refused the stored sign-in; run `switchboard login \(definition.name)` (it may have been revoked)"
                )
            )
        }
        return steps
    }

    /// Which step a connection error belongs to, and what to do about it.
    static func diagnose(_ error: MCPError, endpoint: Endpoint, server: String) -> Step {
        let transport = error.transportError
        let stderr = transport?.stderrTail.suffix(3).joined(separator: " | ") ?? ""
        if let status = transport?.httpStatus {
            switch status {
            case 401, 403:
                return Step(
                    name: "authorization",
                    passed: false,
                    detail: "HTTP \(status)",
                    hint: "sign in with `switchboard login \(server)` (OAuth), or give credentials: "
                        + "\"switchboard\": {\"bearerToken\": {\"env\": \"TOKEN\"}}, a header source, or \(SignInEnvironment.tokenVariable(for: server))"
                )
            case 404:
                return Step(
                    name: "endpoint answers",
                    passed: false,
                    detail: "HTTP 404",
                    hint: "check the URL's path (servers often serve /mcp, legacy ones /sse)"
                )
            default:
                return Step(
                    name: "endpoint answers",
                    passed: false,
                    detail: "HTTP \(status): \(error.message)",
                    hint: "the server is up but refused the request; see its logs"
                )
            }
        }
        switch error.code {
        case .unsupportedVersion:
            return Step(
                name: "version",
                passed: false,
                detail: error.message,
                hint: "remove \"protocolVersion\" to negotiate, or pin one the server lists"
            )
        case .timeout:
            return Step(
                name: "handshake",
                passed: false,
                detail: error.message,
                hint: endpoint.isStdio
                    ? "the process runs but does not answer MCP on stdout; check it is an MCP server and logs to stderr only"
                    : "the endpoint accepted the connection but did not answer; check the URL"
            )
        case .connectionFailed where endpoint.isStdio:
            return Step(name: "process starts", passed: false, detail: error.message, hint: "check the command, its arguments and \"cwd\"")
        case .connectionFailed:
            return Step(name: "endpoint answers", passed: false, detail: error.message, hint: "is the server running and reachable at that URL?")
        case .transportClosed:
            return Step(
                name: "process starts",
                passed: false,
                detail: error.message + (stderr.isEmpty ? "" : "; stderr: \(stderr)"),
                hint: "the server exited at once; run its command by hand to see why (missing setting, key or dependency)"
            )
        default:
            return Step(
                name: "handshake",
                passed: false,
                detail: error.message,
                hint: "the server answered but not as MCP expects; check its version and logs"
            )
        }
    }

    /// The executable `command` names: itself when it has a slash, else the first match on `path`.
    static func find(_ command: String, path: String) -> String? {
        if command.contains("/") { return access(command, X_OK) == 0 ? command : nil }
        for directory in path.split(separator: ":") {
            let candidate = directory + "/" + command
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

extension Endpoint {
    var isStdio: Bool { if case .stdio = self { true } else { false } }
}
