public import MCPAuth

/// Where the browser comes back to after the user approves: a loopback listener.
public protocol RedirectReceiver: Sendable {
    /// The `redirect_uri` to register and send.
    var redirectURI: String { get }
    /// The query string of the first redirect that carries `state`. Redirects with another
    /// state are answered and ignored, so a stray or forged request cannot end the wait.
    func redirect(withState state: String) async throws(AuthError) -> String
}

/// Starts a ``RedirectReceiver`` for as long as a body runs.
public protocol RedirectListener: Sendable {
    /// Listens on `port` when it is free (so that a stored registration's redirect URI can be
    /// used again), else on any free port, while `body` runs.
    func listening<Result: Sendable>(
        port: Int?,
        _ body: (any RedirectReceiver) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result
}

/// Signing in to one MCP server, start to end: the server's challenge, discovery, the client's
/// registration (kept per authorization server), the authorization code request with PKCE, the
/// browser's return to the loopback listener, the code exchange, and the stored result.
public struct SignIn: Sendable {
    public var serverURL: String
    /// The server's name in the configuration, kept with the tokens; nil for a bare URL.
    public var serverName: String?
    public var storage: any TokenStorage
    public var http: AuthorizationHTTPClient
    /// The scopes to ask for instead of the ones discovery chooses (`--scope`).
    public var scopes: [String]?
    public var clientName: String
    /// Progress for the person waiting; never given a token, code or verifier.
    public var progress: @Sendable (String) -> Void

    public init(
        serverURL: String,
        serverName: String?,
        storage: any TokenStorage,
        http: AuthorizationHTTPClient,
        scopes: [String]? = nil,
        clientName: String = "Switchboard",
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.serverURL = serverURL
        self.serverName = serverName
        self.storage = storage
        self.http = http
        self.scopes = scopes
        self.clientName = clientName
        self.progress = progress
    }

    /// What a sign-in found and obtained.
    public struct Outcome: Sendable {
        public var discovered: DiscoveredAuthorization
        public var stored: StoredAuthorizations.Server
        /// The registration used, as stored for the authorization server.
        public var client: StoredAuthorizations.Client
        /// Whether a new registration was made (none was stored for the issuer, or its
        /// redirect URI could not be used).
        public var registered: Bool
    }

    /// Runs the whole flow; `open` is given the authorization URL (an `http(s)` URL, checked).
    public func run(listener: any RedirectListener, open: @escaping @Sendable (String) async -> Void) async throws(AuthError) -> Outcome {
        let server = try AbsoluteURL(serverURL)
        let challenge = try await challenge()
        progress(challenge == nil ? "\(serverURL) did not challenge; looking for its metadata" : "\(serverURL) asks for authorization")
        let discovery = AuthorizationDiscovery(http: http)
        let found = try await discovery.discover(server: server, challenge: challenge, legacyRevision: challenge?.resourceMetadata == nil)
        let issuer = found.authorizationServer.issuer
        progress("authorization server: \(issuer)")
        let scopes =
            self.scopes
            ?? ScopeList.initial(
                challenged: challenge?.scopes,
                resourceSupported: found.protectedResource?.scopesSupported,
                authorizationServerSupported: found.authorizationServer.scopesSupported
            )
        let storedClient = try await storage.load().clients[issuer]
        let preferredPort = storedClient?.redirectURIs.lazy.compactMap { try? AbsoluteURL($0) }.first(where: \.isLoopback)?.port
        let requests = TokenRequests(http: http, authorizationServer: found.authorizationServer)
        return try await listener.listening(port: preferredPort) { receiver throws(AuthError) in
            var client = storedClient
            let registered = client.map { !$0.redirectURIs.contains(receiver.redirectURI) } ?? true
            if registered {
                progress("registering with \(issuer)")
                let credentials = try await requests.register(clientName: clientName, redirectURIs: [receiver.redirectURI], scopes: scopes)
                client = StoredAuthorizations.Client(credentials: credentials, redirectURIs: [receiver.redirectURI])
            }
            guard let client else { preconditionFailure("a client is stored or was just registered") }
            let request = try AuthorizationRequest(
                authorizationServer: found.authorizationServer,
                clientID: client.credentials.clientID,
                redirectURI: receiver.redirectURI,
                resource: found.resource,
                scopes: scopes
            )
            await open(request.url)
            let query = try await receiver.redirect(withState: request.state)
            let code = try request.validate(callbackQuery: query)
            let tokens = try await requests.exchange(code: code, for: request, client: client.credentials)
            let entry = StoredAuthorizations.Server(
                tokens: tokens,
                tokenEndpoint: found.authorizationServer.tokenEndpoint,
                name: serverName,
                requestedScopes: scopes
            )
            try await storage.update { stored throws(AuthError) in
                stored.clients[issuer] = client
                stored.servers[serverURL] = entry
            }
            return Outcome(discovered: found, stored: entry, client: client, registered: registered)
        }
    }

    /// The server's `WWW-Authenticate` challenge to a request without a token (an
    /// `initialize`), or nil when it answers without one.
    func challenge() async throws(AuthError) -> AuthenticationChallenge? {
        let initialize =
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"switchboard","version":"1"}}}"#
        let answer = try await http.postJSON(serverURL, body: Array(initialize.utf8), headers: [("Accept", "application/json, text/event-stream")])
        guard answer.status == 401 || answer.status == 403 else { return nil }
        return try AuthenticationChallenge.bearer(in: answer.header("www-authenticate"))
    }
}
