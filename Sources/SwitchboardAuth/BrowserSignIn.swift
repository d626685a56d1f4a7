public import MCPAuth
public import MCPAuthHTTP

/// The browser step of signing in, as the command line does it: the authorization URL opened
/// in the system browser (or shown, for someone to open), the loopback listener waiting for the
/// browser to come back. `switchboard login` runs it, and so does a command that meets a server
/// asking for a sign-in or more scope while someone is at the terminal.
public struct BrowserSignIn: SignInFlow {
    /// How the authorization URL reaches the person signing in.
    public enum Presentation: Sendable, Hashable {
        /// Opened with `xdg-open`; shown instead when no browser can be started.
        case openBrowser
        /// Shown, for someone to open (`--no-browser`, a machine without a display).
        case showURL
    }

    public var storage: any TokenStorage
    public var http: AuthorizationHTTPClient
    public var presentation: Presentation
    public var listener: LoopbackRedirectListener
    /// How the client ID is obtained (the configuration's pre-registered client or metadata
    /// document, else a dynamic registration).
    public var registration: ClientRegistration
    /// The scopes to ask for instead of the ones the server names (the configuration's).
    public var scopes: [String]?
    /// Shows the authorization URL, on a line of its own.
    public var show: @Sendable (String) -> Void
    /// Progress for the person waiting; never given a token, code or verifier.
    public var progress: @Sendable (String) -> Void

    public init(
        storage: any TokenStorage,
        http: AuthorizationHTTPClient,
        presentation: Presentation,
        listener: LoopbackRedirectListener = LoopbackRedirectListener(),
        registration: ClientRegistration = ClientRegistration(),
        scopes: [String]? = nil,
        show: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.storage = storage
        self.http = http
        self.presentation = presentation
        self.listener = listener
        self.registration = registration
        self.scopes = scopes
        self.show = show
        self.progress = progress
    }

    public var needsPerson: Bool { true }

    /// Runs `signIn` with this browser step.
    public func run(_ signIn: SignIn) async throws(AuthError) -> SignIn.Outcome {
        var signIn = signIn
        signIn.progress = progress
        let (presentation, show, progress) = (self.presentation, self.show, self.progress)
        return try await signIn.run(listener: listener) { url in
            if presentation == .openBrowser, await BrowserLauncher.open(url) {
                progress("opened the browser to sign in; waiting for it to come back (Ctrl-C to give up)")
                return
            }
            progress("open this URL in a browser to sign in; waiting for it to come back (Ctrl-C to give up):")
            show(url)
        }
    }

    public func signIn(
        serverURL: String,
        serverName: String?,
        scopes: [String]?,
        challenge: AuthenticationChallenge?,
        reason: RenewalPolicy.Reason
    ) async throws(AuthError) -> StoredAuthorizations.Server {
        let name = serverName ?? serverURL
        switch reason {
        case .noSignIn: progress("\(name) needs a sign-in")
        case .signInExpired(let why): progress("\(name): \(why); signing in again")
        case .authorizationServerChanged(let issuer): progress("\(name) moved to the authorization server \(issuer); signing in there")
        case .insufficientScope: progress("\(name) needs more scope (\(scopes.map(ScopeList.format) ?? "")); signing in again")
        }
        let signIn = SignIn(
            serverURL: serverURL,
            serverName: serverName,
            storage: storage,
            http: http,
            scopes: scopes ?? self.scopes,
            challenge: challenge,
            registration: registration
        )
        let outcome = try await run(signIn)
        progress("signed in to \(serverURL) at \(outcome.stored.tokens.issuer)")
        return outcome.stored
    }
}
