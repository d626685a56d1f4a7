import MCPAuth
import MCPAuthHTTP
import SwitchboardAuth
import SwitchboardCommands

/// `login`, `logout` and `auth status` over the token file and the authorization flow.
struct FileSignInSupport: SignInSupport {
    let store: TokenFile

    var storeLocation: String { store.path }

    func login(
        url: String,
        name: String?,
        scopes: [String]?,
        openBrowser: Bool,
        allowPrivateNetworks: Bool,
        show: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> SignInStatus {
        let http = AuthorizationHTTPClient(policy: FetchPolicy(allowsPrivateNetworks: allowPrivateNetworks))
        let signIn = SignIn(serverURL: url, serverName: name, storage: store, http: http, scopes: scopes, progress: progress)
        let outcome: SignIn.Outcome
        do {
            outcome = try await signIn.run(listener: LoopbackRedirectListener()) { authorizationURL in
                if openBrowser, await BrowserLauncher.open(authorizationURL) {
                    progress("opened the browser; waiting for it to come back (Ctrl-C to give up)")
                    return
                }
                progress("open this URL in a browser to sign in; waiting for it to come back (Ctrl-C to give up):")
                show(authorizationURL)
            }
        } catch {
            await http.shutdown()
            throw error
        }
        await http.shutdown()
        return Self.status(url: url, outcome.stored)
    }

    func logout(url: String) async throws -> Bool {
        try await store.update { stored throws(AuthError) in stored.servers.removeValue(forKey: url) != nil }
    }

    func status() async throws -> [SignInStatus] {
        try await store.load().servers.sorted { $0.key < $1.key }.map { Self.status(url: $0.key, $0.value) }
    }

    static func status(url: String, _ entry: StoredAuthorizations.Server) -> SignInStatus {
        SignInStatus(
            url: url,
            name: entry.name,
            issuer: entry.tokens.issuer,
            resource: entry.tokens.resource,
            scopes: entry.tokens.scopes,
            expiresAt: entry.tokens.expiresAt,
            refreshable: entry.tokens.refreshToken != nil
        )
    }
}
