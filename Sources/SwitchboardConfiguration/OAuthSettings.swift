/// How Switchboard signs in to one HTTP server: the `"oauth"` object under a server's (or the
/// file's) `"switchboard"` settings.
///
/// Every member is optional: a server's own value, the file's defaults and discovery's choices
/// are layered (``over(_:)``). Without any, a sign-in registers itself with the server's
/// authorization server (dynamic client registration) and asks for the scopes the server names.
public struct OAuthSettings: Sendable, Hashable {
    /// The OAuth grant the server is signed in with.
    public enum Grant: String, Sendable, Hashable, CaseIterable {
        /// A person signs in through the browser (with PKCE). The default.
        case authorizationCode = "authorization_code"
        /// A machine client signs in with its own credentials, no browser (RFC 6749 §4.4).
        case clientCredentials = "client_credentials"
    }

    /// How the client authenticates at the token endpoint (RFC 7591 names).
    public enum AuthMethod: String, Sendable, Hashable, CaseIterable {
        case none
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
    }

    /// A client registered beforehand with the authorization server: used instead of any other
    /// registration.
    public var clientID: String?
    /// Its secret (from a string, `{"env": ...}` or `{"file": ...}`).
    public var clientSecret: String?
    /// How the secret is sent; the default is `client_secret_basic` with a secret, else `none`.
    public var tokenEndpointAuthMethod: AuthMethod?
    /// The authorization server the pre-registered client belongs to: a server that names
    /// another one is refused instead of being sent this client's credentials.
    public var issuer: String?
    /// The loopback redirect URI the pre-registered client was registered with (its port is
    /// the one listened on).
    public var redirectURI: String?
    /// The HTTPS URL of Switchboard's Client ID Metadata Document, used as the client ID where
    /// the authorization server supports it (`switchboard auth client-metadata` writes it).
    public var clientMetadataURL: String?
    public var grant: Grant?
    /// The scopes to ask for instead of the ones the server names.
    public var scopes: [String]?
    /// Let discovery and token requests reach private network addresses (10/8, 172.16/12,
    /// 192.168/16, fc00::/7), for servers on an internal network.
    public var allowPrivateNetworks: Bool?

    public init(
        clientID: String? = nil,
        clientSecret: String? = nil,
        tokenEndpointAuthMethod: AuthMethod? = nil,
        issuer: String? = nil,
        redirectURI: String? = nil,
        clientMetadataURL: String? = nil,
        grant: Grant? = nil,
        scopes: [String]? = nil,
        allowPrivateNetworks: Bool? = nil
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.issuer = issuer
        self.redirectURI = redirectURI
        self.clientMetadataURL = clientMetadataURL
        self.grant = grant
        self.scopes = scopes
        self.allowPrivateNetworks = allowPrivateNetworks
    }

    /// The keys a server's `"oauth"` may have.
    static let serverKeys: Set<String> = [
        "clientId", "clientSecret", "tokenEndpointAuthMethod", "issuer", "redirectUri", "clientMetadataUrl", "grant", "scopes",
        "allowPrivateNetworks",
    ]
    /// The keys the file's `"oauth"` may have: what makes sense for every server. A client ID
    /// belongs to one authorization server, so it is a server's alone.
    static let defaultKeys: Set<String> = ["clientMetadataUrl", "allowPrivateNetworks"]

    /// These settings, with `defaults` where these say nothing.
    public func over(_ defaults: OAuthSettings?) -> OAuthSettings {
        guard let defaults else { return self }
        var merged = self
        merged.clientMetadataURL = clientMetadataURL ?? defaults.clientMetadataURL
        merged.allowPrivateNetworks = allowPrivateNetworks ?? defaults.allowPrivateNetworks
        merged.grant = grant ?? defaults.grant
        merged.scopes = scopes ?? defaults.scopes
        return merged
    }

    /// The token endpoint authentication in effect.
    public var effectiveAuthMethod: AuthMethod { tokenEndpointAuthMethod ?? (clientSecret == nil ? .none : .clientSecretBasic) }
}
