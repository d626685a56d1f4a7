public import MCPTransport

/// Opens a session to an ``Endpoint``: the one seam between what needs sessions (the hub, the
/// command line, a program) and the transports that make them.
///
/// ``StdioConnector`` needs no networking stack; `StandardConnector` (in `MCPConnect`) also
/// reaches URLs, with the specification's fallback from Streamable HTTP to HTTP+SSE.
public protocol EndpointConnector: Sendable {
    /// Connects to `endpoint`, negotiates a protocol version, and returns the ready session.
    func connect(_ endpoint: Endpoint, options: ConnectionOptions, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession
}

/// How to reach an endpoint, apart from where it is: each transport's settings.
public struct ConnectionOptions: Sendable {
    /// For a spawned server: shutdown grace periods, restart policy, stderr handler, limits.
    public var stdio: StdioTransport.Options
    /// For an HTTP server: timeouts and limits; an endpoint's own headers are added to these.
    public var http: HTTPOptions

    public init(stdio: StdioTransport.Options = StdioTransport.Options(), http: HTTPOptions = HTTPOptions()) {
        self.stdio = stdio
        self.http = http
    }
}

/// Connects to stdio endpoints; an HTTP endpoint is an error that says what is missing.
public struct StdioConnector: EndpointConnector {
    public init() {}

    public func connect(_ endpoint: Endpoint, options: ConnectionOptions, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession
    {
        switch endpoint {
        case .stdio(let process):
            return try await ClientSession.connect(transport: StdioTransport(process, options: options.stdio), configuration: configuration)
        case .http:
            throw MCPError(
                .connectionFailed,
                "\(endpoint): this connector speaks stdio only; reaching a URL needs the HTTP transports (MCPConnect's StandardConnector)"
            )
        }
    }
}
