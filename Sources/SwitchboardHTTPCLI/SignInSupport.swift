import MCPAuth
import MCPAuthHTTP
import SwitchboardAuth
import SwitchboardCommands
import SwitchboardConfiguration

/// `login`, `logout` and `auth status` over a token store and the authorization flow.
struct StoredSignInSupport: SignInSupport {
    let store: any TokenStorage
    let storeLocation: String

    func login(
        url: String,
        name: String?,
        scopes: [String]?,
        oauth: OAuthSettings?,
        openBrowser: Bool,
        allowPrivateNetworks: Bool,
        show: @escaping @Sendable (String) -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> SignInStatus {
        let http = AuthorizationHTTPClient(policy: FetchPolicy(allowsPrivateNetworks: allowPrivateNetworks))
        let registration = ClientRegistration(oauth)
        do {
            let entry: StoredAuthorizations.Server
            if oauth?.grant == .clientCredentials, let machine = registration.preregistered {
                // A machine client: its own credentials, no browser.
                progress("signing in to \(url) as the client \(machine.clientID) (client_credentials)")
                entry = try await ClientCredentialsSignIn(storage: store, http: http, client: machine, scopes: scopes ?? oauth?.scopes)
                    .signIn(serverURL: url, serverName: name, scopes: scopes, challenge: nil, reason: .noSignIn)
            } else {
                var browser = FullHTTPSupport.browserSignIn(store, presentation: openBrowser ? .openBrowser : .showURL)
                browser.http = http
                browser.show = show
                browser.progress = progress
                let signIn = SignIn(
                    serverURL: url,
                    serverName: name,
                    storage: store,
                    http: http,
                    scopes: scopes ?? oauth?.scopes,
                    registration: registration
                )
                entry = try await browser.run(signIn).stored
            }
            await http.shutdown()
            return Self.status(url: url, entry)
        } catch {
            await http.shutdown()
            throw error
        }
    }

    func diagnose(url: String, name: String, oauth: OAuthSettings?) async -> [SignInCheck] {
        let http = oauth?.allowPrivateNetworks == true ? FullHTTPSupport.privateNetworkHTTP : FullHTTPSupport.authorizationHTTP
        let diagnosis = AuthorizationDiagnosis(
            http: http,
            storage: store,
            registration: ClientRegistration(oauth),
            machineClient: oauth?.grant == .clientCredentials,
            login: name
        )
        return await diagnosis.run(serverURL: url).map { SignInCheck(name: $0.name, passed: $0.passed, detail: $0.detail, hint: $0.hint) }
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
