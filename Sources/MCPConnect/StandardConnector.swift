import Logging
public import MCPClient
import MCPHTTPTransport
public import MCPTransport

/// Reaches every kind of endpoint: spawned processes over stdio, and URLs over Streamable
/// HTTP, falling back to the 2024-11-05 HTTP+SSE transport as the specification's
/// compatibility section says (a Streamable HTTP attempt refused with 400, 404 or 405 and no
/// modern JSON-RPC error).
public struct StandardConnector: EndpointConnector {
    public init() {}

    public func connect(_ endpoint: Endpoint, options: ConnectionOptions, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession
    {
        switch endpoint {
        case .stdio:
            return try await StdioConnector().connect(endpoint, options: options, configuration: configuration)
        case .http(let url, let headers, let choice):
            var http = options.http
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                http.headers.removeAll { $0.name.lowercased() == name.lowercased() }
                http.headers.append((name, value))
            }
            if choice == .sse {
                return try await ClientSession.connect(transport: try Self.legacySSE(url, http), configuration: configuration)
            }
            let streamable: StreamableHTTPTransport
            do { streamable = try StreamableHTTPTransport(url: url, options: http) } catch {
                throw MCPError(transport: error, while: "connecting")
            }
            do {
                return try await ClientSession.connect(transport: streamable, configuration: configuration)
            } catch {
                guard choice == .automatic, let status = error.transportError?.httpStatus, [400, 404, 405].contains(status) else {
                    throw error
                }
                configuration.logger.debug("Streamable HTTP refused; trying HTTP+SSE", metadata: ["status": "\(status)"])
                do {
                    return try await ClientSession.connect(transport: try Self.legacySSE(url, http), configuration: configuration)
                } catch let sseError {
                    throw MCPError(
                        error.code,
                        "\(error.message); the HTTP+SSE fallback also failed: \(sseError.message)",
                        transportError: error.transportError
                    )
                }
            }
        }
    }

    private static func legacySSE(_ url: String, _ options: HTTPOptions) throws(MCPError) -> LegacySSETransport {
        do { return try LegacySSETransport(url: url, options: options) } catch {
            throw MCPError(transport: error, while: "connecting")
        }
    }
}

extension ClientSession {
    /// Connects to `endpoint` with ``StandardConnector`` and negotiates a protocol version.
    ///
    /// ```swift
    /// let session = try await ClientSession.connect(to: .stdio(ProcessConfiguration(command: "mcp-server-time")))
    /// let remote = try await ClientSession.connect(to: .http(url: "https://example.com/mcp"))
    /// ```
    public static func connect(
        to endpoint: Endpoint,
        options: ConnectionOptions = ConnectionOptions(),
        configuration: ClientConfiguration = ClientConfiguration()
    ) async throws(MCPError) -> ClientSession {
        try await StandardConnector().connect(endpoint, options: options, configuration: configuration)
    }
}
