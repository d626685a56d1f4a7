public import JSONCore
import MCPWire

/// A client's registration with one authorization server. Client IDs are only meaningful to
/// the server that issued them, so credentials carry that server's issuer and are never used
/// with another.
public struct ClientCredentials: Sendable, Hashable {
    /// How the client authenticates at the token endpoint.
    public enum AuthMethod: String, Sendable, Hashable {
        case none
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
    }

    public var issuer: String
    public var clientID: String
    public var clientSecret: String?
    public var authMethod: AuthMethod
    /// When the secret of a dynamic registration expires (RFC 7591 `client_secret_expires_at`,
    /// seconds since 1970); nil when it does not.
    public var secretExpiresAt: Double?

    public init(issuer: String, clientID: String, clientSecret: String? = nil, authMethod: AuthMethod? = nil, secretExpiresAt: Double? = nil) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod ?? (clientSecret == nil ? .none : .clientSecretBasic)
        self.secretExpiresAt = secretExpiresAt
    }

    /// Whether the secret (if any) is still good a minute after `now` (seconds since 1970):
    /// an expired registration is replaced, not used for a request the server will refuse.
    public func isCurrent(at now: Double) -> Bool {
        guard clientSecret != nil, let secretExpiresAt else { return true }
        return secretExpiresAt > now + 60
    }

    /// The fields and headers that authenticate a token request (RFC 6749 §2.3.1): the
    /// secret in HTTP Basic (each part form-encoded first, the ID also in the body), or in the
    /// body, or only the ID.
    public func authenticate(_ fields: inout [(name: String, value: String)], _ headers: inout [(name: String, value: String)]) {
        switch (authMethod, clientSecret) {
        case (.clientSecretBasic, .some(let secret)):
            let pair = FormEncoding.escape(clientID) + ":" + FormEncoding.escape(secret)
            headers.append(("Authorization", "Basic " + Base64.encode(Array(pair.utf8))))
            // Also in the body (RFC 6749 §3.2.1 allows it to identify the client): some servers,
            // the Python SDK's among them, look the client up by it before reading the header.
            fields.append(("client_id", clientID))
        case (.clientSecretPost, .some(let secret)):
            fields.append(("client_id", clientID))
            fields.append(("client_secret", secret))
        default:
            fields.append(("client_id", clientID))
        }
    }

    /// Reads a registration response (RFC 7591 §3.2.1) from `issuer`.
    public init(registrationResponse json: JSONObject, issuer: String) throws(AuthError) {
        guard let clientID = json.string("client_id"), !clientID.isEmpty else {
            throw AuthError(.tokenRequestFailed, "the registration response of \(issuer) has no client_id")
        }
        let method = json.string("token_endpoint_auth_method")
        guard let parsed = method.map({ AuthMethod(rawValue: $0) }) ?? .some(nil) else {
            throw AuthError(
                .tokenRequestFailed,
                "\(issuer) registered the client for token_endpoint_auth_method \(method ?? ""), which Switchboard does not support"
            )
        }
        // 0 means the secret never expires (RFC 7591 §3.2.1).
        let expiresAt = json["client_secret_expires_at"]?.doubleValue.flatMap { $0 > 0 ? $0 : nil }
        self.init(issuer: issuer, clientID: clientID, clientSecret: json.string("client_secret"), authMethod: parsed, secretExpiresAt: expiresAt)
    }
}

/// Tokens for one resource from one authorization server, with when the access token expires
/// (as seconds since 1970, so that it survives a restart).
public struct TokenSet: Sendable, Hashable {
    public var accessToken: String
    public var refreshToken: String?
    public var scopes: [String]?
    /// Seconds since 1970; nil when the server did not say.
    public var expiresAt: Double?
    public var issuer: String
    public var resource: String
    /// When the token was received (seconds since 1970), to tell its lifetime.
    public var obtainedAt: Double?

    public init(
        accessToken: String,
        refreshToken: String?,
        scopes: [String]?,
        expiresAt: Double?,
        issuer: String,
        resource: String,
        obtainedAt: Double? = nil
    ) {
        self.obtainedAt = obtainedAt
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.issuer = issuer
        self.resource = resource
    }

    /// Reads a token response (RFC 6749 §5.1) received at `now` (seconds since 1970). A refresh
    /// that returns no new refresh token keeps `previousRefreshToken`; a response without
    /// `scope` keeps `requestedScopes` (the server granted what was asked, §5.1).
    public init(
        tokenResponse json: JSONObject,
        issuer: String,
        resource: String,
        now: Double,
        requestedScopes: [String]?,
        previousRefreshToken: String? = nil
    ) throws(AuthError) {
        guard let access = json.string("access_token"), !access.isEmpty else {
            throw AuthError(.tokenRequestFailed, "the token response of \(issuer) has no access_token")
        }
        guard let type = json.string("token_type"), type.lowercased() == "bearer" else {
            throw AuthError(
                .tokenRequestFailed,
                "the token response of \(issuer) is not a Bearer token (token_type \(json.string("token_type") ?? "missing"))"
            )
        }
        let lifetime = json.double("expires_in")
        self.init(
            accessToken: access,
            refreshToken: json.string("refresh_token") ?? previousRefreshToken,
            scopes: json.string("scope").map(ScopeList.parse) ?? requestedScopes,
            expiresAt: lifetime.map { now + $0 },
            issuer: issuer,
            resource: resource,
            obtainedAt: now
        )
    }

    /// Whether the access token should be refreshed at `now`: it expires within `margin`
    /// seconds, or within half its lifetime when that is shorter (a token that lives less than
    /// the margin is not refreshed on every use).
    public func needsRefresh(now: Double, margin: Double = 60) -> Bool {
        guard let expiresAt else { return false }
        let lifetime = obtainedAt.map { expiresAt - $0 } ?? .infinity
        return now + min(margin, lifetime / 2) >= expiresAt
    }
}
