import MCPAuth
public import MCPAuthHTTP
public import MCPClient
public import MCPTransport
import SwitchboardConfiguration
import Synchronization

/// Gives each HTTP server the credentials it has, then connects with `base`:
///
/// 1. an `Authorization` header or `bearerToken` from the configuration, as it is;
/// 2. else `SWITCHBOARD_TOKEN_<SERVER>` from the environment (the name upper-cased, anything
///    but letters and digits as `_`), as a bearer token;
/// 3. else the stored sign-in for the server's URL, refreshed as needed. All connections to
///    one URL (reconnects, a hub's sessions) share one ``OAuthAuthorization``, so they share
///    its refreshes too.
///
/// A server with none of these is connected without credentials; if it asks for them, the
/// failure says to run `switchboard login`.
public final class AuthorizingConnector: EndpointConnector {
    let base: any EndpointConnector
    let storage: TokenFile?
    let http: AuthorizationHTTPClient
    let environment: [String: String]
    private let authorizations = Mutex<[String: OAuthAuthorization]>([:])

    public init(base: any EndpointConnector, storage: TokenFile?, http: AuthorizationHTTPClient, environment: [String: String]) {
        self.base = base
        self.storage = storage
        self.http = http
        self.environment = environment
    }

    public func connect(_ endpoint: Endpoint, options: ConnectionOptions, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession
    {
        guard case .http(let url, let headers, _) = endpoint,
            options.http.bearerToken == nil,
            !headers.keys.contains(where: { $0.lowercased() == "authorization" }),
            !options.http.headers.contains(where: { $0.name.lowercased() == "authorization" })
        else {
            return try await base.connect(endpoint, options: options, configuration: configuration)
        }
        var options = options
        if let name = configuration.serverName, let token = environment[SignInEnvironment.tokenVariable(for: name)], !token.isEmpty {
            options.http.bearerToken = token
            return try await base.connect(endpoint, options: options, configuration: configuration)
        }
        let authorization = await authorization(for: url, name: configuration.serverName)
        options.http.authorization = authorization
        do {
            return try await base.connect(endpoint, options: options, configuration: configuration)
        } catch  where error.code == .authorizationRequired && authorization == nil {
            let login = configuration.serverName ?? "--url \(url)"
            throw MCPError(
                error.code,
                "\(error.message); run `switchboard login \(login)` to sign in"
                    + (configuration.serverName.map { " (or set \(SignInEnvironment.tokenVariable(for: $0)))" } ?? ""),
                transportError: error.transportError
            )
        }
    }

    /// The shared authorization for `url`, when a sign-in for it is stored.
    private func authorization(for url: String, name: String?) async -> OAuthAuthorization? {
        if let existing = authorizations.withLock({ $0[url] }) { return existing }
        guard let storage, let stored = try? await storage.load(), stored.servers[url] != nil else { return nil }
        let login = name ?? "--url \(url)"
        return authorizations.withLock { authorizations in
            if let existing = authorizations[url] { return existing }
            let created = OAuthAuthorization(serverURL: url, serverName: login, storage: storage, http: http)
            authorizations[url] = created
            return created
        }
    }
}
