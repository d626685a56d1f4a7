public import JSONCore

/// OAuth 2.0 Authorization Server Metadata (RFC 8414) or OpenID Provider Metadata: where to
/// send the user and the token requests, and what the server supports.
public struct AuthorizationServerMetadata: Sendable, Hashable {
    public let issuer: String
    public let authorizationEndpoint: String
    public let tokenEndpoint: String
    public let registrationEndpoint: String?
    public let scopesSupported: [String]?
    public let responseTypesSupported: [String]?
    public let grantTypesSupported: [String]?
    public let codeChallengeMethodsSupported: [String]?
    public let tokenEndpointAuthMethodsSupported: [String]?
    /// RFC 9207: the server puts `iss` in its authorization responses.
    public let authorizationResponseIssParameterSupported: Bool
    /// The server accepts an HTTPS URL as `client_id` (Client ID Metadata Documents).
    public let clientIDMetadataDocumentSupported: Bool
    /// Whether these are the 2025-03-26 default endpoints rather than a document.
    public let isFallback: Bool
    /// The whole document (empty for the fallback).
    public let json: JSONObject

    /// How strictly the document's `issuer` must equal the issuer it was fetched for.
    public enum IssuerRule: Sendable, Hashable {
        /// Identical strings (RFC 8414 §3.3; the 2026-07-28 revision's MUST).
        case identical
        /// Identical but for one trailing slash: earlier revisions did not require the check,
        /// and deployed servers differ in exactly this way.
        case ignoringTrailingSlash
    }

    /// Reads a document fetched for `expectedIssuer` and checks it: the issuer, the endpoints
    /// (absolute, https unless on this machine), and that `code` is among the response types.
    public init(json: JSONObject, expectedIssuer: String, issuerRule: IssuerRule = .identical, fetchedFrom url: String) throws(AuthError) {
        func malformed(_ why: String) -> AuthError {
            AuthError(.malformedMetadata, "the authorization server metadata at \(url) \(why)")
        }
        guard let issuer = json.string("issuer") else { throw malformed("has no \"issuer\"") }
        let matches: Bool
        switch issuerRule {
        case .identical: matches = issuer == expectedIssuer
        case .ignoringTrailingSlash: matches = Self.trimmingSlash(issuer) == Self.trimmingSlash(expectedIssuer)
        }
        guard matches else {
            throw AuthError(
                .issuerMismatch,
                "the authorization server metadata at \(url) says its issuer is \(issuer), but it was fetched for \(expectedIssuer); it is not used (RFC 8414 §3.3)"
            )
        }
        guard let authorization = json.string("authorization_endpoint") else { throw malformed("has no \"authorization_endpoint\"") }
        guard let token = json.string("token_endpoint") else { throw malformed("has no \"token_endpoint\"") }
        for (name, value) in [("authorization_endpoint", authorization), ("token_endpoint", token)]
            + (json.string("registration_endpoint").map { [("registration_endpoint", $0)] } ?? [])
        {
            let endpoint: AbsoluteURL
            do { endpoint = try AbsoluteURL(value) } catch { throw malformed("has an invalid \"\(name)\": \(error.message)") }
            guard endpoint.isSecure else { throw malformed("has a \"\(name)\" that is neither https nor on this machine: \(value)") }
        }
        let responseTypes = json.strings("response_types_supported")
        if let responseTypes, !responseTypes.contains("code") {
            throw malformed("does not support the authorization code flow (response_types_supported: \(responseTypes.joined(separator: ", ")))")
        }
        self.issuer = issuer
        self.authorizationEndpoint = authorization
        self.tokenEndpoint = token
        self.registrationEndpoint = json.string("registration_endpoint")
        self.scopesSupported = json.strings("scopes_supported")
        self.responseTypesSupported = responseTypes
        self.grantTypesSupported = json.strings("grant_types_supported")
        self.codeChallengeMethodsSupported = json.strings("code_challenge_methods_supported")
        self.tokenEndpointAuthMethodsSupported = json.strings("token_endpoint_auth_methods_supported")
        self.authorizationResponseIssParameterSupported = json.bool("authorization_response_iss_parameter_supported") ?? false
        self.clientIDMetadataDocumentSupported = json.bool("client_id_metadata_document_supported") ?? false
        self.isFallback = false
        self.json = json
    }

    /// The 2025-03-26 default endpoints for a server without metadata: `/authorize`, `/token`
    /// and `/register` at the MCP server's origin (its "authorization base URL").
    public init(fallbackFor server: AbsoluteURL) {
        issuer = server.origin
        authorizationEndpoint = server.atOrigin("/authorize")
        tokenEndpoint = server.atOrigin("/token")
        registrationEndpoint = server.atOrigin("/register")
        scopesSupported = nil
        responseTypesSupported = ["code"]
        grantTypesSupported = ["authorization_code", "refresh_token"]
        // OAuth 2.1, which that revision requires of the server, makes S256 mandatory.
        codeChallengeMethodsSupported = ["S256"]
        tokenEndpointAuthMethodsSupported = nil
        authorizationResponseIssParameterSupported = false
        clientIDMetadataDocumentSupported = false
        isFallback = true
        json = [:]
    }

    /// Where to fetch the metadata of `issuer`, in the order the specification gives: for an
    /// issuer with a path, RFC 8414 then OpenID Connect with the path inserted, then OpenID
    /// Connect with it appended; without a path, RFC 8414 then OpenID Connect.
    public static func discoveryURLs(forIssuer issuer: AbsoluteURL) -> [String] {
        let path = issuer.trimmedPath
        if path.isEmpty {
            return [issuer.atOrigin("/.well-known/oauth-authorization-server"), issuer.atOrigin("/.well-known/openid-configuration")]
        }
        return [
            issuer.atOrigin("/.well-known/oauth-authorization-server" + path),
            issuer.atOrigin("/.well-known/openid-configuration" + path),
            issuer.atOrigin(path + "/.well-known/openid-configuration"),
        ]
    }

    /// The 2025-03-26 discovery URL: the metadata at the MCP server's origin.
    public static func legacyDiscoveryURL(forServer server: AbsoluteURL) -> String {
        server.atOrigin("/.well-known/oauth-authorization-server")
    }

    /// Refuses a server that does not advertise PKCE with S256: without
    /// `code_challenge_methods_supported` there is no way to know the code is protected.
    public func checkPKCE() throws(AuthError) {
        guard let methods = codeChallengeMethodsSupported else {
            throw AuthError(
                .pkceUnsupported,
                "the authorization server \(issuer) does not advertise PKCE (no code_challenge_methods_supported in its metadata); refusing to sign in without it"
            )
        }
        guard methods.contains("S256") else {
            throw AuthError(
                .pkceUnsupported,
                "the authorization server \(issuer) does not support PKCE with S256 (it lists \(methods.joined(separator: ", "))); refusing to sign in"
            )
        }
    }

    private static func trimmingSlash(_ text: String) -> Substring {
        text.hasSuffix("/") ? text.dropLast() : Substring(text)
    }
}
