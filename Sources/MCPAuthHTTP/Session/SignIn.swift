public import MCPAuth

/// Where the browser comes back to after the user approves: a loopback listener.
public protocol RedirectReceiver: Sendable {
    /// The `redirect_uri` to register and send.
    var redirectURI: String { get }
    /// The query string of the first redirect that carries `state`. Redirects with another
    /// state are answered and ignored, so a stray or forged request cannot end the wait.
    func redirect(withState state: String) async throws(AuthError) -> String
}

/// Where a ``RedirectListener`` listens.
public enum RedirectAddress: Sendable, Hashable {
    /// `http://127.0.0.1:<port>/callback` on `preferredPort` when it is free (so that a stored
    /// registration's redirect URI can be used again), else on any free port.
    case loopback(preferredPort: Int?)
    /// Exactly this redirect URI (a pre-registered client's): its port and path, or an error.
    case fixed(String)
}

/// Starts a ``RedirectReceiver`` for as long as a body runs.
public protocol RedirectListener: Sendable {
    func listening<Result: Sendable>(
        at address: RedirectAddress,
        _ body: (any RedirectReceiver) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result
}

/// Signing in to one MCP server, start to end: the server's challenge, discovery, the client
/// (``ClientRegistration``'s choice), the authorization code request with PKCE, the browser's
/// return to the loopback listener, the code exchange, and the stored result.
public struct SignIn: Sendable {
    public var serverURL: String
    /// The server's name in the configuration, kept with the tokens; nil for a bare URL.
    public var serverName: String?
    public var storage: any TokenStorage
    public var http: AuthorizationHTTPClient
    /// The scopes to ask for instead of the ones discovery chooses (`--scope`, the
    /// configuration's, or a step-up's).
    public var scopes: [String]?
    /// The challenge of a request the server refused; nil: the sign-in asks for one first.
    public var challenge: AuthenticationChallenge?
    public var registration: ClientRegistration
    /// Progress for the person waiting; never given a token, code or verifier.
    public var progress: @Sendable (String) -> Void

    public init(
        serverURL: String,
        serverName: String?,
        storage: any TokenStorage,
        http: AuthorizationHTTPClient,
        scopes: [String]? = nil,
        challenge: AuthenticationChallenge? = nil,
        registration: ClientRegistration = ClientRegistration(),
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.serverURL = serverURL
        self.serverName = serverName
        self.storage = storage
        self.http = http
        self.scopes = scopes
        self.challenge = challenge
        self.registration = registration
        self.progress = progress
    }

    /// What a sign-in found and obtained.
    public struct Outcome: Sendable {
        public var discovered: DiscoveredAuthorization
        public var stored: StoredAuthorizations.Server
        /// The client used.
        public var client: StoredAuthorizations.Client
        /// How it was obtained.
        public var choice: ClientRegistration.Choice
        /// Whether a new dynamic registration was made.
        public var registered: Bool {
            if case .register = choice { true } else { false }
        }
    }

    /// Runs the whole flow; `open` is given the authorization URL (an `http(s)` URL, checked).
    public func run(listener: any RedirectListener, open: @escaping @Sendable (String) async -> Void) async throws(AuthError) -> Outcome {
        let discovery = AuthorizationDiscovery(http: http)
        let (found, challenge) = try await discovery.discover(serverURL: serverURL, challenge: challenge)
        progress(challenge == nil ? "\(serverURL) did not challenge; found its metadata" : "\(serverURL) asks for authorization")
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
        let address: RedirectAddress =
            if let fixed = registration.preregistered?.redirectURI {
                .fixed(fixed)
            } else {
                .loopback(preferredPort: storedClient?.redirectURIs.lazy.compactMap { try? AbsoluteURL($0) }.first(where: \.isLoopback)?.port)
            }
        let requests = TokenRequests(http: http, authorizationServer: found.authorizationServer)
        let (registration, progress, serverURL, serverName, storage) = (
            self.registration, self.progress, self.serverURL, self.serverName, self.storage
        )
        return try await listener.listening(at: address) { receiver throws(AuthError) in
            let choice = try registration.choose(
                for: found.authorizationServer,
                stored: storedClient,
                redirectURI: receiver.redirectURI,
                scopes: scopes,
                now: TokenRequests.wallClock()
            )
            let client: StoredAuthorizations.Client
            switch choice {
            case .preregistered(let configured):
                progress("using the configured client \(configured.credentials.clientID)")
                client = configured
            case .metadataDocument(let document):
                progress("using the client metadata document \(document.credentials.clientID)")
                client = document
            case .stored(let registered):
                client = registered
            case .register:
                progress("registering with \(issuer)")
                let credentials = try await requests.register(
                    clientName: registration.clientName,
                    redirectURIs: [receiver.redirectURI],
                    scopes: scopes
                )
                client = StoredAuthorizations.Client(credentials: credentials, redirectURIs: [receiver.redirectURI], registeredScopes: scopes)
            }
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
            let dynamic: Bool = if case .register = choice { true } else if case .stored = choice { true } else { false }
            let entry = StoredAuthorizations.Server(
                tokens: tokens,
                tokenEndpoint: found.authorizationServer.tokenEndpoint,
                name: serverName,
                requestedScopes: scopes,
                client: dynamic ? nil : client
            )
            try await storage.update { stored throws(AuthError) in
                // Dynamic registrations are the issuer's; any other client stays with its server.
                if dynamic { stored.clients[issuer] = client }
                stored.servers[serverURL] = entry
            }
            return Outcome(discovered: found, stored: entry, client: client, choice: choice)
        }
    }
}
