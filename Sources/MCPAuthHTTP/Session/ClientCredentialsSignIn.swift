public import MCPAuth

/// Signing in as a machine client (the client_credentials grant, RFC 6749 §4.4): discovery,
/// then a token for the server's resource with the client's own credentials, no browser and no
/// person. Used where the authorization server's metadata offers the grant.
public struct ClientCredentialsSignIn: SignInFlow {
    public var storage: any TokenStorage
    public var http: AuthorizationHTTPClient
    public var client: ClientRegistration.Preregistered
    /// The scopes to ask for instead of the ones the server names.
    public var scopes: [String]?

    public init(storage: any TokenStorage, http: AuthorizationHTTPClient, client: ClientRegistration.Preregistered, scopes: [String]? = nil) {
        self.storage = storage
        self.http = http
        self.client = client
        self.scopes = scopes
    }

    public var needsPerson: Bool { false }

    public func signIn(
        serverURL: String,
        serverName: String?,
        scopes requested: [String]?,
        challenge: AuthenticationChallenge?,
        reason: RenewalPolicy.Reason
    ) async throws(AuthError) -> StoredAuthorizations.Server {
        let (found, challenge) = try await AuthorizationDiscovery(http: http).discover(serverURL: serverURL, challenge: challenge)
        let metadata = found.authorizationServer
        guard metadata.grantTypesSupported?.contains("client_credentials") == true else {
            let offered = metadata.grantTypesSupported.map { $0.joined(separator: ", ") } ?? "none listed"
            throw AuthError(
                .registrationUnavailable,
                "the authorization server \(metadata.issuer) does not offer the client_credentials grant (grant_types_supported: \(offered)); sign in with `switchboard login` instead"
            )
        }
        let credentials = try client.credentials(at: metadata.issuer)
        let scopes =
            requested ?? self.scopes
            ?? ScopeList.initial(
                challenged: challenge?.scopes,
                resourceSupported: found.protectedResource?.scopesSupported,
                authorizationServerSupported: nil
            )
        let tokens = try await TokenRequests(http: http, authorizationServer: metadata).clientCredentials(
            client: credentials,
            scopes: scopes,
            resource: found.resource
        )
        let entry = StoredAuthorizations.Server(
            tokens: tokens,
            tokenEndpoint: metadata.tokenEndpoint,
            name: serverName,
            requestedScopes: scopes,
            // Which client, not its secret: that stays in the configuration, and a new token is
            // asked for with it (the grant issues no refresh token).
            client: StoredAuthorizations.Client(
                credentials: ClientCredentials(issuer: metadata.issuer, clientID: client.clientID, clientSecret: nil, authMethod: client.authMethod),
                redirectURIs: []
            )
        )
        try await storage.update { stored throws(AuthError) in stored.servers[serverURL] = entry }
        return entry
    }
}
