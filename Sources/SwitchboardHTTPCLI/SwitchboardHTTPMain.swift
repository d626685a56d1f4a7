import MCPClient
import MCPConnect
import MCPServer
import MCPServerHTTP
import MCPTransport
import SwitchboardCommands
import SwitchboardYAML

/// `switchboard-http`: the same commands as `switchboard`, with HTTP client and server support.
/// `switchboard` starts it in its place for commands that need HTTP.
@main
enum SwitchboardHTTPMain {
    static func main() async {
        await CommandEnvironment.$support.withValue(BinarySupport(http: FullHTTPSupport(), yaml: YAMLConfiguration.reader)) {
            await SwitchboardCommand.main()
        }
    }
}

/// HTTP through Streamable HTTP and HTTP+SSE clients, and the Hummingbird endpoint.
struct FullHTTPSupport: HTTPSupport {
    var connector: any EndpointConnector { StandardConnector() }

    func serve(
        _ server: Server,
        host: String,
        port: Int,
        responseMode: String,
        onListening: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let mode = ResponseMode(rawValue: responseMode) ?? .auto
        try await runHTTPServer(server, host: host, port: port, options: HTTPEndpointOptions(responseMode: mode), onListening: onListening)
    }
}
