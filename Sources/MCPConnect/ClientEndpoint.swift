import Logging
public import MCPClient
import MCPHTTPTransport
public import MCPTransport

/// Where a server is: a command to spawn, or an HTTP URL.
public enum ClientEndpoint: Sendable {
    /// A server spawned as a child process, spoken to over stdio.
    case stdio(ProcessConfiguration, StdioTransport.Options = StdioTransport.Options())
    /// A server at an HTTP URL: Streamable HTTP, falling back to the legacy HTTP+SSE transport.
    case http(url: String, options: HTTPOptions = HTTPOptions(), transport: HTTPTransportChoice = .automatic)
}

extension ClientSession {
    /// Connects to `endpoint` and negotiates a protocol version.
    ///
    /// For HTTP, a Streamable HTTP attempt that fails with 400, 404 or 405 and no modern
    /// JSON-RPC error falls back to the 2024-11-05 HTTP+SSE transport (a GET that must
    /// answer with an `endpoint` event), as the specification's compatibility section says.
    public static func connect(
        to endpoint: ClientEndpoint,
        configuration: ClientConfiguration = ClientConfiguration()
    ) async throws(MCPError) -> ClientSession {
        switch endpoint {
        case .stdio(let process, let options):
            return try await connect(transport: StdioTransport(process, options: options), configuration: configuration)
        case .http(let url, let options, let choice):
            if choice == .sse {
                return try await connect(transport: try makeSSE(url, options), configuration: configuration)
            }
            let streamable: StreamableHTTPTransport
            do { streamable = try StreamableHTTPTransport(url: url, options: options) } catch {
                throw MCPError(transport: error, while: "connecting")
            }
            do {
                return try await connect(transport: streamable, configuration: configuration)
            } catch {
                guard choice == .automatic, let status = error.transportError?.httpStatus, [400, 404, 405].contains(status) else {
                    throw error
                }
                configuration.logger.debug("Streamable HTTP refused; trying HTTP+SSE", metadata: ["status": "\(status)"])
                do {
                    return try await connect(transport: try makeSSE(url, options), configuration: configuration)
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

    private static func makeSSE(_ url: String, _ options: HTTPOptions) throws(MCPError) -> LegacySSETransport {
        do { return try LegacySSETransport(url: url, options: options) } catch {
            throw MCPError(transport: error, while: "connecting")
        }
    }
}
