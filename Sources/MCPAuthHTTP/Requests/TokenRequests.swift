import JSONCore
public import MCPAuth

#if canImport(Glibc)
import Glibc
#endif

/// Registration (RFC 7591) and token requests (RFC 6749 §4.1.3, §6) against one authorization
/// server.
public struct TokenRequests: Sendable {
    public let http: AuthorizationHTTPClient
    public let issuer: String
    public let tokenEndpoint: String
    public let registrationEndpoint: String?

    public init(http: AuthorizationHTTPClient, authorizationServer: AuthorizationServerMetadata) {
        self.init(
            http: http,
            issuer: authorizationServer.issuer,
            tokenEndpoint: authorizationServer.tokenEndpoint,
            registrationEndpoint: authorizationServer.registrationEndpoint
        )
    }

    /// For refreshing stored tokens, with the endpoint stored beside them.
    public init(http: AuthorizationHTTPClient, issuer: String, tokenEndpoint: String, registrationEndpoint: String? = nil) {
        self.http = http
        self.issuer = issuer
        self.tokenEndpoint = tokenEndpoint
        self.registrationEndpoint = registrationEndpoint
    }

    /// Seconds since 1970, for token expiry.
    public static func wallClock() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Registers a native public client (no secret) for `redirectURIs` by dynamic client
    /// registration. Throws ``AuthError/Code/registrationUnavailable`` when the server has no
    /// registration endpoint, with what to configure instead.
    public func register(clientName: String, redirectURIs: [String], scopes: [String]?) async throws(AuthError) -> ClientCredentials {
        guard let endpoint = registrationEndpoint else {
            throw AuthError(
                .registrationUnavailable,
                "the authorization server \(issuer) supports neither Client ID Metadata Documents nor dynamic registration; register a client there and put its \"clientId\" (and \"clientSecret\") under this server's \"oauth\" in the configuration"
            )
        }
        var request: JSONObject = [
            "client_name": .string(clientName),
            "redirect_uris": .array(redirectURIs.map { .string($0) }),
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            "application_type": "native",
        ]
        if let scopes, !scopes.isEmpty { request["scope"] = .string(ScopeList.format(scopes)) }
        let answer = try await http.postJSON(endpoint, body: JSONValue.object(request).serialized())
        let json = try Self.object(answer, what: "registration at \(endpoint)", accepting: [200, 201])
        return try ClientCredentials(registrationResponse: json, issuer: issuer)
    }

    /// Exchanges the code of a validated redirect for tokens, with the request's PKCE verifier,
    /// redirect URI and resource.
    public func exchange(code: String, for request: AuthorizationRequest, client: ClientCredentials) async throws(AuthError) -> TokenSet {
        try checkIssuer(client)
        var fields: [(name: String, value: String)] = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", request.redirectURI),
            ("code_verifier", request.pkce.verifier),
            ("resource", request.resource),
        ]
        return try await tokenRequest(&fields, client: client, resource: request.resource, requestedScopes: request.scopes, previousRefreshToken: nil)
    }

    /// An access token for a machine client (RFC 6749 §4.4): its own credentials, no user.
    public func clientCredentials(client: ClientCredentials, scopes: [String]?, resource: String) async throws(AuthError) -> TokenSet {
        try checkIssuer(client)
        guard client.clientSecret != nil else {
            throw AuthError(.invalidValue, "the client_credentials grant needs the client's secret (\"oauth.clientSecret\")")
        }
        var fields: [(name: String, value: String)] = [("grant_type", "client_credentials"), ("resource", resource)]
        if let scopes, !scopes.isEmpty { fields.append(("scope", ScopeList.format(scopes))) }
        return try await tokenRequest(&fields, client: client, resource: resource, requestedScopes: scopes, previousRefreshToken: nil)
    }

    /// A new access token for `tokens` from its refresh token, for the same resource.
    public func refresh(_ tokens: TokenSet, client: ClientCredentials) async throws(AuthError) -> TokenSet {
        try checkIssuer(client)
        guard tokens.issuer == issuer else {
            throw AuthError(.tokenRequestFailed, "tokens from \(tokens.issuer) cannot be refreshed at \(issuer)")
        }
        guard let refreshToken = tokens.refreshToken else {
            throw AuthError(.tokenRequestFailed, "there is no refresh token; sign in again")
        }
        var fields: [(name: String, value: String)] = [
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("resource", tokens.resource),
        ]
        return try await tokenRequest(
            &fields,
            client: client,
            resource: tokens.resource,
            requestedScopes: tokens.scopes,
            previousRefreshToken: refreshToken
        )
    }

    private func checkIssuer(_ client: ClientCredentials) throws(AuthError) {
        guard client.issuer == issuer else {
            throw AuthError(
                .registrationUnavailable,
                "the client was registered with \(client.issuer), not \(issuer); credentials are never reused with another authorization server"
            )
        }
    }

    private func tokenRequest(
        _ fields: inout [(name: String, value: String)],
        client: ClientCredentials,
        resource: String,
        requestedScopes: [String]?,
        previousRefreshToken: String?
    ) async throws(AuthError) -> TokenSet {
        var headers: [(name: String, value: String)] = []
        client.authenticate(&fields, &headers)
        let answer = try await http.postForm(tokenEndpoint, fields: fields, headers: headers)
        let json = try Self.object(answer, what: "the token request at \(tokenEndpoint)", accepting: [200])
        return try TokenSet(
            tokenResponse: json,
            issuer: issuer,
            resource: resource,
            now: Self.wallClock(),
            requestedScopes: requestedScopes,
            previousRefreshToken: previousRefreshToken
        )
    }

    /// The JSON object of a successful answer; an OAuth error answer (RFC 6749 §5.2) becomes an
    /// error that quotes `error` and `error_description`.
    static func object(_ answer: AuthorizationHTTPClient.Answer, what: String, accepting statuses: Set<Int>) throws(AuthError) -> JSONObject {
        let json: JSONObject? = if case .object(let object)? = try? JSONValue(parsing: answer.body) { object } else { nil }
        guard statuses.contains(answer.status) else {
            let detail = json.flatMap { object in object.string("error").map { $0 + (object.string("error_description").map { ": " + $0 } ?? "") } }
            throw AuthError(.tokenRequestFailed, "\(what) failed with HTTP \(answer.status)\(detail.map { " (\($0))" } ?? "")")
        }
        guard let json else { throw AuthError(.tokenRequestFailed, "\(what) did not answer with a JSON object") }
        return json
    }
}
