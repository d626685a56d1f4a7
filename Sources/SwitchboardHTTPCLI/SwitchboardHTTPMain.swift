import Foundation
import JSONCore
import MCPAuth
import MCPAuthHTTP
import MCPClient
import MCPConnect
import MCPServer
import MCPServerHTTP
import MCPTransport
import SwitchboardAudit
import SwitchboardAuth
import SwitchboardCommands
import SwitchboardConfiguration
import SwitchboardGateway
import SwitchboardHub
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
    /// The HTTP clients of the authorization flow, for the life of the process: one that keeps
    /// to public addresses, one for servers allowed to reach private networks.
    static let authorizationHTTP = AuthorizationHTTPClient()
    static let privateNetworkHTTP = AuthorizationHTTPClient(policy: FetchPolicy(allowsPrivateNetworks: true))

    /// The folder sign-ins are kept in (`$XDG_CONFIG_HOME/switchboard`, else
    /// `~/.config/switchboard`), unless neither variable says where it is.
    static let configurationFolder: String? = TokenFile.defaultPath(environment: processEnvironment).map(TextFile.directory(of:))

    static var processEnvironment: [String: String] { CommandEnvironment.processEnvironment }

    /// The store `kind` names, in the configuration folder, and how to name it to a person.
    static func tokenStorage(_ kind: TokenStoreKind) -> (storage: any TokenStorage, location: String)? {
        guard let folder = configurationFolder else { return nil }
        switch kind {
        case .file:
            let file = TokenFile(path: folder + "/tokens.json")
            return (file, file.path)
        case .secretService:
            let store = SecretServiceStore(directory: folder)
            return (store, store.description)
        }
    }

    /// The connector for one command: every connection it makes to a server shares the
    /// server's sign-in (one refresh, one browser step for all of them).
    func connector(for configuration: SwitchboardConfiguration, signIn mode: SignInMode) -> any EndpointConnector {
        var settings: [String: OAuthSettings] = [:]
        for server in configuration.servers {
            if let oauth = configuration.effectiveSettings(of: server).oauth { settings[server.name] = oauth }
        }
        let storage = Self.tokenStorage(configuration.tokenStore ?? .file)?.storage
        let browser: BrowserSignIn? = storage.flatMap { storage in
            switch mode {
            case .never: nil
            case .browser, .url: Self.browserSignIn(storage, presentation: mode == .browser ? .openBrowser : .showURL)
            }
        }
        return AuthorizingConnector(
            base: StandardConnector(),
            storage: storage,
            http: Self.authorizationHTTP,
            privateNetworkHTTP: Self.privateNetworkHTTP,
            environment: Self.processEnvironment,
            settings: settings,
            browser: browser,
            trace: AuthorizationTrace.current.write
        )
    }

    /// The browser step at the terminal. Commands keep stdout for their results: the URL goes
    /// with the progress, to stderr.
    static func browserSignIn(_ storage: any TokenStorage, presentation: BrowserSignIn.Presentation) -> BrowserSignIn {
        BrowserSignIn(
            storage: storage,
            http: authorizationHTTP,
            presentation: presentation,
            show: { line in Terminal.error(line) },
            progress: { line in Terminal.error(line) }
        )
    }

    func signIn(store kind: TokenStoreKind) -> any SignInSupport {
        let store = Self.tokenStorage(kind) ?? (TokenFile(path: "switchboard-tokens.json"), "switchboard-tokens.json")
        return StoredSignInSupport(store: store.storage, storeLocation: store.location)
    }

    func clientMetadataDocument(url: String, clientName: String) -> String {
        JSONValue.object(ClientRegistration.metadataDocument(url: url, clientName: clientName)).serializedString(options: .prettyPrinted)
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

    func verifyAuditLog(file: String) throws -> AuditVerification {
        switch try Self.existingAuditLog(file).verify() {
        case .intact(let count, let head): return .intact(count: count, head: head)
        case .broken(let sequence, let reason): return .broken(sequence: sequence, reason: reason)
        }
    }

    func auditRecords(file: String, last count: Int) throws -> [JSONObject] {
        try Self.existingAuditLog(file).tail(count).map(\.json)
    }

    /// The log at `file`, which must exist (reading never makes one).
    static func existingAuditLog(_ file: String) throws -> AuditLog {
        guard FileManager.default.fileExists(atPath: file) else {
            throw AuditLogError(description: "no audit log at \(file); switchboard serve writes one there (audit.sqlite in its --data folder)")
        }
        return try AuditLog(path: file)
    }

    func newAPIKey() -> (key: String, sha256: String) {
        let key = APIKey.generate()
        return (key.text, key.digest.description)
    }

    func serveGateway(
        _ hub: Hub,
        host: String,
        port: Int,
        responseMode: String,
        auditFile: String?,
        metrics: @escaping @Sendable () -> [UInt8],
        onListening: @escaping @Sendable (_ port: Int, _ access: String) async -> Void
    ) async throws {
        let mode = ResponseMode(rawValue: responseMode) ?? .auto
        var options = GatewayOptions(host: host, port: port, endpoint: HTTPEndpointOptions(responseMode: mode))
        options.metricsExposition = metrics
        if let auditFile {
            try FileManager.default.createDirectory(atPath: TextFile.directory(of: auditFile), withIntermediateDirectories: true)
            options.auditLog = try AuditLog(path: auditFile)
        }
        let gateway = try Gateway(hub: hub, options: options)
        let access = gateway.accessSummary
        try await gateway.run { port in await onListening(port, access) }
    }

    func serveGatewayOverStdio(_ hub: Hub, auditFile: String?) async throws {
        var options = GatewayOptions()
        if let auditFile {
            try FileManager.default.createDirectory(atPath: TextFile.directory(of: auditFile), withIntermediateDirectories: true)
            options.auditLog = try AuditLog(path: auditFile)
        }
        try await Gateway(hub: hub, options: options).runStdio()
    }
}
