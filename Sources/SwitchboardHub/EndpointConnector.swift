public import MCPClient
public import MCPTransport
public import SwitchboardConfiguration

/// Opens a session to one endpoint of a configured server.
///
/// The seam between the hub and the transports: the hub knows nothing of processes or HTTP.
/// ``StdioConnector`` needs no networking stack; an application that links the HTTP
/// transports supplies one that also reaches URLs.
public protocol EndpointConnector: Sendable {
    func connect(_ endpoint: EndpointDefinition, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession
}

/// Connects to stdio endpoints; an HTTP endpoint is an error that says what is missing.
public struct StdioConnector: EndpointConnector {
    public var options: StdioTransport.Options

    public init(options: StdioTransport.Options = StdioTransport.Options()) {
        self.options = options
    }

    public func connect(_ endpoint: EndpointDefinition, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession {
        switch endpoint {
        case .stdio(let process):
            return try await ClientSession.connect(transport: StdioTransport(process, options: options), configuration: configuration)
        case .http:
            throw MCPError(.connectionFailed, "\(endpoint): this connector speaks stdio only; HTTP needs a connector with the HTTP transports")
        }
    }
}
