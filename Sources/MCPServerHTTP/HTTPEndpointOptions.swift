public import HTTPTypes
public import MCPWire

/// How answers to POSTed requests are sent.
public enum ResponseMode: String, Sendable, Hashable, CaseIterable {
    /// A JSON body, unless the request produces notifications or server requests before
    /// its result; then an SSE stream.
    case auto
    /// Always a JSON body; notifications about the request are dropped.
    case json
    /// Always an SSE stream.
    case sse
}

/// Settings of the Streamable HTTP endpoint.
public struct HTTPEndpointOptions: Sendable {
    /// The path of the MCP endpoint.
    public var path: String
    public var responseMode: ResponseMode
    /// Origins allowed to call the endpoint (DNS-rebinding protection). Requests with no
    /// `Origin` header, or one for localhost, are always allowed.
    public var allowedOrigins: Set<String>
    /// The largest request body accepted.
    public var maximumBodyBytes: Int
    /// How many events each legacy session keeps for `Last-Event-ID` replay.
    public var replayBufferSize: Int
    /// How long an SSE stream may stay silent before a keep-alive comment is written. Writing
    /// is how a stream notices a client that went away (and keeps proxies from closing it).
    public var keepAliveInterval: Duration

    public init(
        path: String = "/mcp",
        responseMode: ResponseMode = .auto,
        allowedOrigins: Set<String> = [],
        maximumBodyBytes: Int = 64 << 20,
        replayBufferSize: Int = 256,
        keepAliveInterval: Duration = .seconds(15)
    ) {
        self.path = path
        self.responseMode = responseMode
        self.allowedOrigins = allowedOrigins
        self.maximumBodyBytes = maximumBodyBytes
        self.replayBufferSize = replayBufferSize
        self.keepAliveInterval = keepAliveInterval
    }
}

/// A request refused before it is handled, with an HTTP answer of its own: the status, the
/// headers (a `WWW-Authenticate` challenge), and the JSON-RPC error the body carries.
public struct HTTPRefusal: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var error: JSONRPCError

    public init(status: HTTPResponse.Status, headers: HTTPFields = HTTPFields(), error: JSONRPCError) {
        self.status = status
        self.headers = headers
        self.error = error
    }
}
