public import MCPClient
public import MCPTransport
public import SwitchboardConfiguration

/// Opens a session to one endpoint of a configured server.
///
/// The seam between the hub and the transports: the hub knows nothing of processes or HTTP.
/// ``StdioConnector`` needs no networking stack; an application that links the HTTP
/// transports supplies one that also reaches URLs.
public protocol EndpointConnector: Sendable {
    /// Opens a session to `endpoint`; `settings` says how (a stdio server's restart policy, for one).
    func connect(_ endpoint: EndpointDefinition, settings: ServerSettings, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession
}

extension RestartSettings {
    /// The stdio transport's policy for these settings.
    public var policy: StdioTransport.RestartPolicy {
        guard enabled else { return .never }
        return StdioTransport.RestartPolicy(
            maximumRestarts: maxRestarts,
            window: .milliseconds(Int64(windowSeconds * 1000)),
            initialBackoff: .milliseconds(Int64(initialBackoffSeconds * 1000)),
            maximumBackoff: .milliseconds(Int64(maxBackoffSeconds * 1000)))
    }
}

/// Connects to stdio endpoints; an HTTP endpoint is an error that says what is missing.
public struct StdioConnector: EndpointConnector {
    public var options: StdioTransport.Options

    public init(options: StdioTransport.Options = StdioTransport.Options()) {
        self.options = options
    }

    /// Connects a stdio endpoint; a server restarts as `settings.restart` says (by default,
    /// up to 5 times a minute, as the specification recommends restarting a server that exits).
    public func connect(_ endpoint: EndpointDefinition, settings: ServerSettings, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession {
        switch endpoint {
        case .stdio(let process):
            var options = options
            options.restart = (settings.restart ?? RestartSettings()).policy
            return try await ClientSession.connect(transport: StdioTransport(process, options: options), configuration: configuration)
        case .http:
            throw MCPError(.connectionFailed, "\(endpoint): this connector speaks stdio only; HTTP needs a connector with the HTTP transports")
        }
    }
}
