public import JSONCore

/// Everything a client keeps between runs to stay signed in: its registration with each
/// authorization server (keyed by issuer, never shared between servers) and the tokens for
/// each MCP server (keyed by the server's URL), with their expiry, so that a restart neither
/// forgets when a token expires nor sends anyone through the browser again.
public struct StoredAuthorizations: Sendable, Hashable {
    /// A registration, and the redirect URIs it was registered for (a loopback port has to be
    /// one of them to be used again).
    public struct Client: Sendable, Hashable {
        public var credentials: ClientCredentials
        public var redirectURIs: [String]
        /// The scopes it was registered for (RFC 7591 `scope`), when known: an authorization
        /// server may refuse to grant a client more, so asking for more registers anew.
        public var registeredScopes: [String]?

        public init(credentials: ClientCredentials, redirectURIs: [String], registeredScopes: [String]? = nil) {
            self.credentials = credentials
            self.redirectURIs = redirectURIs
            self.registeredScopes = registeredScopes
        }

        /// Reads a stored client of `issuer`.
        init(stored value: JSONValue, issuer: String, what: String) throws(AuthError) {
            guard let entry = value.objectValue, let clientID = entry.string("clientId"),
                let method = ClientCredentials.AuthMethod(rawValue: entry.string("authMethod") ?? "none")
            else {
                throw AuthError(.malformedStore, "the token store's \(what) is incomplete")
            }
            self.init(
                credentials: ClientCredentials(
                    issuer: issuer,
                    clientID: clientID,
                    clientSecret: entry.string("clientSecret"),
                    authMethod: method,
                    secretExpiresAt: entry["secretExpiresAt"]?.doubleValue
                ),
                redirectURIs: entry.strings("redirectUris") ?? [],
                registeredScopes: entry.strings("scopes")
            )
        }

        var json: JSONValue {
            var entry: JSONObject = ["clientId": .string(credentials.clientID), "authMethod": .string(credentials.authMethod.rawValue)]
            if let secret = credentials.clientSecret { entry["clientSecret"] = .string(secret) }
            if let expiresAt = credentials.secretExpiresAt { entry["secretExpiresAt"] = .double(expiresAt) }
            entry["redirectUris"] = .array(redirectURIs.map { .string($0) })
            if let scopes = registeredScopes { entry["scopes"] = .array(scopes.map { .string($0) }) }
            return .object(entry)
        }

        /// Whether this registration may be used to ask for `scopes` at `redirectURI`.
        public func covers(redirectURI: String, scopes: [String]?) -> Bool {
            guard redirectURIs.contains(redirectURI) else { return false }
            guard let registeredScopes, let scopes else { return true }
            return Set(scopes).isSubset(of: registeredScopes)
        }
    }

    /// The tokens for one MCP server, and where to refresh them.
    public struct Server: Sendable, Hashable {
        public var tokens: TokenSet
        public var tokenEndpoint: String
        /// The server's name in the configuration at sign-in, for `auth status`.
        public var name: String?
        /// The scopes the last authorization asked for (the step-up union starts here).
        public var requestedScopes: [String]?
        /// The client the tokens were issued to when it is not the issuer's dynamic registration
        /// in ``StoredAuthorizations/clients``: a pre-registered client, a Client ID Metadata
        /// Document, or a machine client. Refreshes use it.
        public var client: Client?

        public init(tokens: TokenSet, tokenEndpoint: String, name: String?, requestedScopes: [String]?, client: Client? = nil) {
            self.tokens = tokens
            self.tokenEndpoint = tokenEndpoint
            self.name = name
            self.requestedScopes = requestedScopes
            self.client = client
        }
    }

    /// The client to refresh `server`'s tokens with.
    public func client(for server: Server) -> Client? {
        server.client ?? clients[server.tokens.issuer]
    }

    public static let formatVersion = 1

    public var clients: [String: Client]
    public var servers: [String: Server]

    public init(clients: [String: Client] = [:], servers: [String: Server] = [:]) {
        self.clients = clients
        self.servers = servers
    }

    /// Reads the stored document. Anything that does not have the expected shape is an error:
    /// guessing would lose the sign-ins it holds.
    public init(json: JSONValue) throws(AuthError) {
        guard case .object(let object) = json, object.int("version") == Self.formatVersion else {
            throw AuthError(.malformedStore, "the token store is not a version \(Self.formatVersion) document")
        }
        var clients: [String: Client] = [:]
        for (issuer, value) in object.object("clients") ?? [:] {
            clients[issuer] = try Client(stored: value, issuer: issuer, what: "client for \(issuer)")
        }
        var servers: [String: Server] = [:]
        for (url, value) in object.object("servers") ?? [:] {
            guard let entry = value.objectValue, let access = entry.string("accessToken"), let issuer = entry.string("issuer"),
                let resource = entry.string("resource"), let tokenEndpoint = entry.string("tokenEndpoint")
            else {
                throw AuthError(.malformedStore, "the token store's entry for \(url) is incomplete")
            }
            let tokens = TokenSet(
                accessToken: access,
                refreshToken: entry.string("refreshToken"),
                scopes: entry.strings("scopes"),
                expiresAt: entry.double("expiresAt"),
                issuer: issuer,
                resource: resource,
                obtainedAt: entry.double("obtainedAt")
            )
            var client: Client?
            if let stored = entry["client"] { client = try Client(stored: stored, issuer: issuer, what: "client of \(url)") }
            servers[url] = Server(
                tokens: tokens,
                tokenEndpoint: tokenEndpoint,
                name: entry.string("name"),
                requestedScopes: entry.strings("requestedScopes"),
                client: client
            )
        }
        self.init(clients: clients, servers: servers)
    }

    /// The document to store, keys sorted so that a diff of two versions is readable.
    public var json: JSONValue {
        var clientsObject = JSONObject()
        for (issuer, client) in clients.sorted(by: { $0.key < $1.key }) { clientsObject[issuer] = client.json }
        var serversObject = JSONObject()
        for (url, server) in servers.sorted(by: { $0.key < $1.key }) {
            var entry: JSONObject = [
                "issuer": .string(server.tokens.issuer),
                "resource": .string(server.tokens.resource),
                "tokenEndpoint": .string(server.tokenEndpoint),
                "accessToken": .string(server.tokens.accessToken),
            ]
            if let name = server.name { entry["name"] = .string(name) }
            if let refresh = server.tokens.refreshToken { entry["refreshToken"] = .string(refresh) }
            if let scopes = server.tokens.scopes { entry["scopes"] = .array(scopes.map { .string($0) }) }
            if let requested = server.requestedScopes { entry["requestedScopes"] = .array(requested.map { .string($0) }) }
            if let expiresAt = server.tokens.expiresAt { entry["expiresAt"] = .double(expiresAt) }
            if let obtainedAt = server.tokens.obtainedAt { entry["obtainedAt"] = .double(obtainedAt) }
            if let client = server.client { entry["client"] = client.json }
            serversObject[url] = .object(entry)
        }
        return .object(["version": .int(Self.formatVersion), "clients": .object(clientsObject), "servers": .object(serversObject)])
    }
}

/// Where sign-ins are kept between runs, shared by every process of one user: the CLI, the hub's
/// servers and their replicas. ``update(_:)`` is the only way to change it, and runs its body
/// under a lock that other processes respect, on what is stored at that moment.
public protocol TokenStorage: Sendable {
    /// What is stored now.
    func load() async throws(AuthError) -> StoredAuthorizations

    /// Runs `body` on what is stored, under an exclusive lock across processes, and stores the
    /// result if it changed. The body may wait (a refresh); others wait for it meanwhile.
    func update<Result: Sendable>(
        _ body: (inout StoredAuthorizations) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result
}
