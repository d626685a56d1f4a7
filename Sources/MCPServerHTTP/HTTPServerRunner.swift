import Hummingbird
import Logging
public import MCPServer
import NIOCore

/// Runs `server` over Streamable HTTP until the task is cancelled or the process is asked to stop.
///
/// - Parameters:
///   - host: the address to bind; loopback by default, as the specification recommends.
///   - port: the port, or 0 for any free one.
///   - onListening: called with the bound port once the server accepts connections.
public func runHTTPServer(
    _ server: Server,
    host: String = "127.0.0.1",
    port: Int,
    options: HTTPEndpointOptions = HTTPEndpointOptions(),
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws {
    let router = Router()
    MCPHTTPEndpoint(server: server, options: options).addRoutes(to: router)
    let application = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "switchboard"),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
        logger: Logger(label: "switchboard.http", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    try await application.runService()
}
