public import MCPAuth
public import MCPAuthHTTP
public import MCPClient
public import MCPTransport
public import SwitchboardConfiguration
import Synchronization

/// Gives each HTTP server the credentials it has, then connects with `base`:
///
/// 1. an `Authorization` header or `bearerToken` from the configuration, as it is;
/// 2. else `SWITCHBOARD_TOKEN_<SERVER>` from the environment (the name upper-cased, anything
///    but letters and digits as `_`), as a bearer token;
/// 3. else the stored sign-in for the server's URL, refreshed as needed; a machine client
///    (`"oauth": {"grant": "client_credentials"}`) signs in with its own credentials. All
///    connections to one URL (reconnects, a hub's sessions) share one ``OAuthAuthorization``,
///    so they share its refreshes and sign-ins too.
///
/// A server with none of these is connected without credentials. If it asks for them, the
/// failure says to run `switchboard login`, or, when someone is at the terminal (`browser`),
/// the sign-in runs there and then; the same goes for a server asking for more scope.
public final class AuthorizingConnector: EndpointConnector {
    let base: any EndpointConnector
    let storage: (any TokenStorage)?
    let environment: [String: String]
    /// Each server's `"oauth"` settings, by name.
    let settings: [String: OAuthSettings]
    /// How a person signs in, when one is there.
    let browser: BrowserSignIn?
    /// The HTTP client of the flow, and the one allowed to reach private networks.
    let http: AuthorizationHTTPClient
    let privateNetworkHTTP: AuthorizationHTTPClient
    /// Where each sign-in's events are told (`--trace`).
    let trace: (@Sendable (String) -> Void)?
    private let authorizations = Mutex<[String: OAuthAuthorization]>([:])

    public init(
        base: any EndpointConnector,
        storage: (any TokenStorage)?,
        http: AuthorizationHTTPClient,
        privateNetworkHTTP: AuthorizationHTTPClient,
        environment: [String: String],
        settings: [String: OAuthSettings] = [:],
        browser: BrowserSignIn? = nil,
        trace: (@Sendable (String) -> Void)? = nil
    ) {
        self.base = base
        self.storage = storage
        self.http = http
        self.privateNetworkHTTP = privateNetworkHTTP
        self.environment = environment
        self.settings = settings
        self.browser = browser
        self.trace = trace
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

    /// How a new sign-in is made for the server called `name`: with a machine client's
    /// credentials, through the browser when someone is there, or not at all.
    func signInFlow(for name: String?) -> (any SignInFlow)? {
        let oauth = name.flatMap { settings[$0] }
        guard let storage else { return nil }
        let http = oauth?.allowPrivateNetworks == true ? privateNetworkHTTP : self.http
        if let oauth, oauth.grant == .clientCredentials, let machine = ClientRegistration(oauth).preregistered {
            return ClientCredentialsSignIn(storage: storage, http: http, client: machine, scopes: oauth.scopes)
        }
        guard var browser else { return nil }
        browser.http = http
        browser.registration = ClientRegistration(oauth)
        browser.scopes = oauth?.scopes
        return browser
    }

    /// The shared authorization for `url`, when a sign-in for it is stored or can be made.
    private func authorization(for url: String, name: String?) async -> OAuthAuthorization? {
        if let existing = authorizations.withLock({ $0[url] }) { return existing }
        guard let storage else { return nil }
        let flow = signInFlow(for: name)
        if flow == nil {
            guard let stored = try? await storage.load(), stored.servers[url] != nil else { return nil }
        }
        let http = name.flatMap { settings[$0]?.allowPrivateNetworks } == true ? privateNetworkHTTP : self.http
        let login = name ?? "--url \(url)"
        return authorizations.withLock { authorizations in
            if let existing = authorizations[url] { return existing }
            let created = OAuthAuthorization(
                serverURL: url,
                serverName: login,
                configuredName: name,
                storage: storage,
                http: http,
                signInFlow: flow,
                trace: trace
            )
            authorizations[url] = created
            return created
        }
    }
}

extension ClientRegistration {
    /// The registration a server's `"oauth"` settings describe.
    public init(_ settings: OAuthSettings?) {
        let preregistered = settings?.clientID.map { id in
            Preregistered(
                clientID: id,
                clientSecret: settings?.clientSecret,
                authMethod: settings.flatMap { ClientCredentials.AuthMethod(rawValue: $0.effectiveAuthMethod.rawValue) },
                issuer: settings?.issuer,
                redirectURI: settings?.redirectURI
            )
        }
        self.init(preregistered: preregistered, metadataDocumentURL: settings?.clientMetadataURL)
    }
}
