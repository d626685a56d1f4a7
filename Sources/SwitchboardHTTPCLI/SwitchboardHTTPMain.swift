import MCPAuthHTTP
import MCPClient
import MCPConnect
import MCPServer
import MCPServerHTTP
import MCPTransport
import SwitchboardAuth
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
    /// One connector for the process, so that every connection to a server shares its sign-in.
    static let sharedConnector = AuthorizingConnector(
        base: StandardConnector(),
        storage: tokenFile,
        http: AuthorizationHTTPClient(),
        environment: processEnvironment
    )

    /// The token file, unless neither `XDG_CONFIG_HOME` nor `HOME` says where it goes.
    static let tokenFile: TokenFile? = TokenFile.defaultPath(environment: processEnvironment).map(TokenFile.init(path:))

    static var processEnvironment: [String: String] { CommandEnvironment.processEnvironment }

    var connector: any EndpointConnector { Self.sharedConnector }

    var signIn: any SignInSupport {
        FileSignInSupport(store: Self.tokenFile ?? TokenFile(path: "switchboard-tokens.json"))
    }

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
