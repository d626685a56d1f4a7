public import JSONCore

/// OAuth 2.0 Protected Resource Metadata (RFC 9728): which authorization servers an MCP server
/// trusts, and the scopes it supports.
public struct ProtectedResourceMetadata: Sendable, Hashable {
    /// The resource identifier, exactly as written: sent as `resource` (RFC 8707) unchanged.
    public let resource: String
    public let authorizationServers: [String]
    public let scopesSupported: [String]?
    public let bearerMethodsSupported: [String]?
    /// The whole document.
    public let json: JSONObject

    /// Reads a document; throws when it lacks `resource` or lists no authorization server.
    public init(json: JSONObject, fetchedFrom url: String) throws(AuthError) {
        func malformed(_ why: String) -> AuthError {
            AuthError(.malformedMetadata, "the protected resource metadata at \(url) \(why)")
        }
        guard let resource = json.string("resource"), !resource.isEmpty else { throw malformed("has no \"resource\"") }
        guard let servers = json.strings("authorization_servers"), !servers.isEmpty else {
            throw malformed("lists no \"authorization_servers\"; the server cannot be signed in to")
        }
        self.resource = resource
        self.authorizationServers = servers
        self.scopesSupported = json.strings("scopes_supported")
        self.bearerMethodsSupported = json.strings("bearer_methods_supported")
        self.json = json
    }

    /// Checks that this metadata is about `server`: the same origin (scheme and host in any
    /// case, default ports filled in), and a path equal to the server's or a parent of it on a
    /// segment boundary (`https://h/api` covers `https://h/api/mcp`, not `https://h/apiary`).
    public func check(covers server: AbsoluteURL) throws(AuthError) {
        let resourceURL = try AbsoluteURL(resource)
        let covered =
            resourceURL.fragment == nil
            && resourceURL.isSameOrigin(as: server)
            && (resourceURL.query == nil || resourceURL.query == server.query)
            && Self.path(resourceURL.trimmedPath, covers: server.trimmedPath)
        guard covered else {
            throw AuthError(
                .resourceMismatch,
                "the protected resource metadata is for \(resource), not for \(server.text); refusing to sign in with it (a token for one resource must not be used at another)"
            )
        }
    }

    static func path(_ parent: String, covers child: String) -> Bool {
        parent.isEmpty || child == parent || child.hasPrefix(parent + "/")
    }

    /// Where to look for the metadata of `server`, in order: the challenge's `resource_metadata`,
    /// then the well-known URL with the server's path, then the one at the root (the path one
    /// is left out when the server is at the root).
    public static func discoveryURLs(for server: AbsoluteURL, challenge: AuthenticationChallenge?) -> [String] {
        var urls: [String] = []
        if let fromHeader = challenge?.resourceMetadata { urls.append(fromHeader) }
        let wellKnown = "/.well-known/oauth-protected-resource"
        if !server.trimmedPath.isEmpty { urls.append(server.insertingWellKnown(wellKnown)) }
        urls.append(server.atOrigin(wellKnown))
        var seen = Set<String>()
        return urls.filter { seen.insert($0).inserted }
    }
}
