import JSONCore
public import MCPAuth

/// What discovery found for one MCP server: the resource to ask tokens for, and the
/// authorization server that issues them.
public struct DiscoveredAuthorization: Sendable, Hashable {
    /// The `resource` for authorization and token requests, exactly as the protected resource
    /// metadata writes it (or, for a 2025-03-26 server without it, the server's URL).
    public var resource: String
    /// nil for a 2025-03-26 server that publishes none.
    public var protectedResource: ProtectedResourceMetadata?
    public var authorizationServer: AuthorizationServerMetadata
}

/// Authorization server discovery as the MCP specification orders it, over HTTP.
public struct AuthorizationDiscovery: Sendable {
    public let http: AuthorizationHTTPClient

    public init(http: AuthorizationHTTPClient) {
        self.http = http
    }

    /// Finds the resource and authorization server for `server`, after a 401 with `challenge`
    /// (or before any request, with none).
    ///
    /// `legacyRevision` (a 2025-03-26 server, negotiated or pinned): when no protected resource
    /// metadata is found, the authorization server is looked for at the server's origin, and
    /// failing that the default endpoints are used.
    public func discover(
        server: AbsoluteURL,
        challenge: AuthenticationChallenge?,
        legacyRevision: Bool = false
    ) async throws(AuthError)
        -> DiscoveredAuthorization
    {
        if let metadata = try await protectedResource(for: server, challenge: challenge) {
            // RFC 9728 §7.6 leaves the choice to the client: the first listed is the server's own preference.
            let issuer = metadata.authorizationServers[0]
            let authorizationServer = try await authorizationServer(issuer: issuer)
            return DiscoveredAuthorization(resource: metadata.resource, protectedResource: metadata, authorizationServer: authorizationServer)
        }
        guard legacyRevision else {
            throw AuthError(
                .malformedMetadata,
                "\(server) asks for authorization but publishes no protected resource metadata (tried \(ProtectedResourceMetadata.discoveryURLs(for: server, challenge: challenge).joined(separator: ", "))); a server must (RFC 9728), so it cannot be signed in to"
            )
        }
        let url = AuthorizationServerMetadata.legacyDiscoveryURL(forServer: server)
        let resource = server.origin + server.trimmedPath
        if let json = try await document(at: url) {
            let metadata = try AuthorizationServerMetadata(
                json: json,
                expectedIssuer: server.origin,
                issuerRule: .ignoringTrailingSlash,
                fetchedFrom: url
            )
            return DiscoveredAuthorization(resource: resource, protectedResource: nil, authorizationServer: metadata)
        }
        return DiscoveredAuthorization(
            resource: resource,
            protectedResource: nil,
            authorizationServer: AuthorizationServerMetadata(fallbackFor: server)
        )
    }

    /// Discovery for the server at `serverURL`, after `challenge` when a refused request brought
    /// one, else after the challenge to a request without a token (nil when the server answered
    /// it without one). The 2025-03-26 fallbacks apply when no challenge names metadata.
    public func discover(
        serverURL: String,
        challenge known: AuthenticationChallenge?
    ) async throws(AuthError) -> (DiscoveredAuthorization, AuthenticationChallenge?) {
        let server = try AbsoluteURL(serverURL)
        var challenge = known
        if challenge == nil { challenge = try await self.challenge(serverURL: serverURL) }
        let found = try await discover(server: server, challenge: challenge, legacyRevision: challenge?.resourceMetadata == nil)
        return (found, challenge)
    }

    /// The server's `WWW-Authenticate` challenge to a request without a token (an
    /// `initialize`), or nil when it answers without one.
    public func challenge(serverURL: String) async throws(AuthError) -> AuthenticationChallenge? {
        let initialize =
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"switchboard","version":"1"}}}"#
        let answer = try await http.postJSON(serverURL, body: Array(initialize.utf8), headers: [("Accept", "application/json, text/event-stream")])
        guard answer.status == 401 || answer.status == 403 else { return nil }
        return try AuthenticationChallenge.bearer(in: answer.header("www-authenticate"))
    }

    /// The first protected resource metadata document found for `server`, checked to be about it.
    public func protectedResource(for server: AbsoluteURL, challenge: AuthenticationChallenge?) async throws(AuthError) -> ProtectedResourceMetadata?
    {
        for url in ProtectedResourceMetadata.discoveryURLs(for: server, challenge: challenge) {
            guard let json = try await document(at: url) else { continue }
            let metadata = try ProtectedResourceMetadata(json: json, fetchedFrom: url)
            try metadata.check(covers: server)
            return metadata
        }
        return nil
    }

    /// The metadata of `issuer`, from the first well-known URL that has it. A document whose
    /// issuer differs is an error, not a reason to try the next URL.
    public func authorizationServer(issuer: String) async throws(AuthError) -> AuthorizationServerMetadata {
        let issuerURL = try http.policy.check(issuer)
        let urls = AuthorizationServerMetadata.discoveryURLs(forIssuer: issuerURL)
        for url in urls {
            guard let json = try await document(at: url) else { continue }
            return try AuthorizationServerMetadata(json: json, expectedIssuer: issuer, fetchedFrom: url)
        }
        throw AuthError(.malformedMetadata, "the authorization server \(issuer) publishes no metadata (tried \(urls.joined(separator: ", ")))")
    }

    /// The JSON object at `url`, or nil when there is none (a 4xx answer). A 5xx or a body that
    /// is not a JSON object is an error: the document exists but cannot be read.
    func document(at url: String) async throws(AuthError) -> JSONObject? {
        let answer = try await http.get(url)
        switch answer.status {
        case 200:
            guard case .object(let json)? = try? JSONValue(parsing: answer.body) else {
                throw AuthError(.malformedMetadata, "\(url) did not answer with a JSON object")
            }
            return json
        case 400..<500:
            return nil
        default:
            throw AuthError(.malformedMetadata, "\(url) answered HTTP \(answer.status)")
        }
    }
}
