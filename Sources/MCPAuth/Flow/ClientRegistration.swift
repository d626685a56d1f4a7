public import JSONCore

/// How a sign-in obtains its client ID at an authorization server, in the order the
/// specification gives: a pre-registered client from the configuration, else a Client ID
/// Metadata Document where the server supports one, else a dynamic registration (a stored one
/// that still fits, or a new one), else an error that says what to configure.
public struct ClientRegistration: Sendable, Hashable {
    /// A client registered with the authorization server beforehand.
    public struct Preregistered: Sendable, Hashable {
        public var clientID: String
        public var clientSecret: String?
        public var authMethod: ClientCredentials.AuthMethod
        /// The authorization server it belongs to; nil: whichever the server names.
        public var issuer: String?
        /// The redirect URI it was registered with; nil: a loopback URI on any port (RFC 8252
        /// §7.3 has servers accept any port for one).
        public var redirectURI: String?

        public init(clientID: String, clientSecret: String?, authMethod: ClientCredentials.AuthMethod? = nil, issuer: String?, redirectURI: String?) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.authMethod = authMethod ?? (clientSecret == nil ? .none : .clientSecretBasic)
            self.issuer = issuer
            self.redirectURI = redirectURI
        }

        /// Its credentials for the authorization server `issuer`, refused when the client is
        /// bound to another one: a client's credentials never go to a server it was not
        /// registered with.
        public func credentials(at issuer: String) throws(AuthError) -> ClientCredentials {
            if let bound = self.issuer, bound != issuer {
                throw AuthError(
                    .registrationUnavailable,
                    "the configured client \(clientID) belongs to the authorization server \(bound), but the server now names \(issuer); its credentials are not sent there (update \"oauth.issuer\" and \"oauth.clientId\", or remove them to register anew)"
                )
            }
            return ClientCredentials(issuer: issuer, clientID: clientID, clientSecret: clientSecret, authMethod: authMethod)
        }
    }

    public var preregistered: Preregistered?
    /// The HTTPS URL of the client's metadata document, used as its client ID.
    public var metadataDocumentURL: String?
    /// The name the authorization server shows the user (dynamic registration).
    public var clientName: String

    public init(preregistered: Preregistered? = nil, metadataDocumentURL: String? = nil, clientName: String = "Switchboard") {
        self.preregistered = preregistered
        self.metadataDocumentURL = metadataDocumentURL
        self.clientName = clientName
    }

    /// The way chosen.
    public enum Choice: Sendable, Hashable {
        /// The configured client (its credentials bound to this issuer).
        case preregistered(StoredAuthorizations.Client)
        /// The metadata document's URL as the client ID; nothing to register.
        case metadataDocument(StoredAuthorizations.Client)
        /// A dynamic registration made before, still good for this redirect URI and scopes.
        case stored(StoredAuthorizations.Client)
        /// Register now at this endpoint (RFC 7591).
        case register(endpoint: String)
    }

    /// Chooses for `server`, with the dynamic registration stored for its issuer (if any), the
    /// redirect URI the listener has, the scopes about to be asked for, and the time (seconds
    /// since 1970: a stored registration whose secret has expired is replaced).
    public func choose(
        for server: AuthorizationServerMetadata,
        stored: StoredAuthorizations.Client?,
        redirectURI: String,
        scopes: [String]?,
        now: Double
    ) throws(AuthError) -> Choice {
        if let preregistered {
            let credentials = try preregistered.credentials(at: server.issuer)
            return .preregistered(StoredAuthorizations.Client(credentials: credentials, redirectURIs: [redirectURI]))
        }
        if let metadataDocumentURL, server.clientIDMetadataDocumentSupported {
            let credentials = ClientCredentials(
                issuer: server.issuer,
                clientID: metadataDocumentURL,
                clientSecret: nil,
                authMethod: ClientCredentials.AuthMethod.none
            )
            return .metadataDocument(StoredAuthorizations.Client(credentials: credentials, redirectURIs: [redirectURI]))
        }
        if let stored, stored.covers(redirectURI: redirectURI, scopes: scopes), stored.credentials.isCurrent(at: now) { return .stored(stored) }
        if let endpoint = server.registrationEndpoint { return .register(endpoint: endpoint) }
        let metadataHint =
            server.clientIDMetadataDocumentSupported
            ? "; it supports Client ID Metadata Documents: publish the one `switchboard auth client-metadata URL` prints at an https URL and set \"oauth.clientMetadataUrl\" to it"
            : ""
        throw AuthError(
            .registrationUnavailable,
            "the authorization server \(server.issuer) offers no dynamic client registration\(metadataHint); or register a client there and put its \"clientId\" (and \"clientSecret\") under this server's \"switchboard\": {\"oauth\": ...} in the configuration"
        )
    }

    /// The Client ID Metadata Document to publish at `url`
    /// (draft-ietf-oauth-client-id-metadata-document): a native public client whose redirect URIs
    /// are on the loopback interface, any port (RFC 8252 §7.3).
    public static func metadataDocument(url: String, clientName: String = "Switchboard") -> JSONObject {
        [
            "client_id": .string(url),
            "client_name": .string(clientName),
            "redirect_uris": ["http://127.0.0.1/callback", "http://[::1]/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            "application_type": "native",
        ]
    }
}
