import ArgumentParser
import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import Switchboard
import SwitchboardConfiguration
import SwitchboardHub

/// `switchboard servers`: each configured server's state.
struct ServersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "servers",
        abstract: "Connect to every server of the configuration and show each one's state.",
        discussion: """
            Columns: state, protocol era and version, healthy/total endpoints (replicas), tools,
            latency (of a health check: server/discover or ping), the circuit breaker's
            state, and restarts of stdio processes. Exit 0 when every enabled server is ready, 3
            when any failed (the table still shows all of them).
            """
    )

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            let selection = try server.selection()
            let configuration = selection.configuration
            let (statuses, breakers) = try await server.withHub(selection) { hub in
                await hub.checkHealth()
                let statuses = hub.statuses
                // Each server's breaker lives in its interceptor chain; ask it.
                var breakers: [String: String] = [:]
                for status in statuses where status.phase == .ready {
                    let session = try? hub.session(for: status.name)
                    let breaker = session?.configuration.interceptors.lazy.compactMap { $0 as? CircuitBreakerInterceptor }.first
                    breakers[status.name] = breaker.map { "\($0.state(server: status.name))" }
                }
                return (statuses, breakers)
            }
            if output.json {
                let items: [JSONValue] = statuses.map { status in
                    var object: JSONObject = [
                        "name": .string(status.name), "state": .string(status.phase.description),
                        "endpoints": .int(status.endpoints), "healthyEndpoints": .int(status.healthyEndpoints), "tools": .int(status.tools),
                    ]
                    if let version = status.protocolVersion {
                        object["protocolVersion"] = .string(version.rawValue)
                        object["era"] = .string("\(version.era)")
                    }
                    if let info = status.serverInfo { object["serverInfo"] = ["name": .string(info.name), "version": .string(info.version)] }
                    if let error = status.error { object["error"] = .string(error) }
                    if let breaker = breakers[status.name] { object["breaker"] = .string(breaker) }
                    if let latency = Self.latency(status) { object["latencyMs"] = .double(latency) }
                    object["restarts"] = .int(status.restarts)
                    object["replicas"] = .array(
                        status.replicas.map { replica in
                            var item: JSONObject = [
                                "endpoint": .string(replica.endpoint), "connected": .bool(replica.connected), "ejected": .bool(replica.ejected),
                                "calls": .int(replica.calls), "failures": .int(replica.failures), "restarts": .int(replica.restarts),
                            ]
                            if let error = replica.error { item["error"] = .string(error) }
                            return .object(item)
                        }
                    )
                    return .object(object)
                }
                Terminal.output(
                    JSONValue.object(["file": .string(configuration.file), "servers": .array(items)]).serializedString(options: .prettyPrinted)
                )
            } else {
                var table = TextTable("server", "state", "era", "version", "endpoints", "tools", "latency", "breaker", "restarts", "detail")
                for status in statuses {
                    let detail = status.error ?? status.serverInfo.map { "\($0.name) \($0.version)" } ?? ""
                    table.add(
                        status.name,
                        status.phase.description,
                        status.protocolVersion.map { "\($0.era)" } ?? "-",
                        status.protocolVersion?.rawValue ?? "-",
                        "\(status.healthyEndpoints)/\(status.endpoints)",
                        String(status.tools),
                        Self.latency(status).map { BenchResult.format($0) + " ms" } ?? "-",
                        breakers[status.name] ?? "-",
                        String(status.restarts),
                        detail
                    )
                }
                Terminal.output(table.render())
            }
            if statuses.contains(where: { $0.phase.isFailed }) { throw ExitCode(3) }
        }
    }

    /// The server's recent latency in milliseconds: the median of its replicas' averages.
    static func latency(_ status: ServerStatus) -> Double? {
        let values = status.replicas.compactMap(\.latency).map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000 }
            .sorted()
        return values.isEmpty ? nil : values[values.count / 2]
    }
}
