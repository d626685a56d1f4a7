/// One authorization code request, and everything the client must remember about it until
/// the browser comes back: the PKCE verifier, the `state`, and the issuer it was sent to.
public struct AuthorizationRequest: Sendable, Hashable {
    public let authorizationServer: AuthorizationServerMetadata
    public let clientID: String
    public let redirectURI: String
    /// The `resource` (RFC 8707), exactly as the protected resource metadata writes it.
    public let resource: String
    /// The scopes asked for; nil leaves `scope` out.
    public let scopes: [String]?
    public let pkce: PKCE
    public let state: String

    /// Checks that the server supports PKCE with S256 and that its authorization endpoint is an
    /// `http(s)` URL (the only kind ever opened), and makes a fresh verifier and state.
    public init(
        authorizationServer: AuthorizationServerMetadata,
        clientID: String,
        redirectURI: String,
        resource: String,
        scopes: [String]?,
        pkce: PKCE = PKCE(),
        state: String = PKCE.makeState()
    ) throws(AuthError) {
        try authorizationServer.checkPKCE()
        let endpoint = try AbsoluteURL(authorizationServer.authorizationEndpoint)
        guard endpoint.isSecure else {
            throw AuthError(.invalidURL, "the authorization endpoint \(endpoint) is neither https nor on this machine")
        }
        self.authorizationServer = authorizationServer
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.resource = resource
        self.scopes = scopes
        self.pkce = pkce
        self.state = state
    }

    /// The issuer recorded for this request, to compare the response's `iss` with.
    public var recordedIssuer: String { authorizationServer.issuer }

    /// The URL to open in the browser: the endpoint with the request's parameters added to any
    /// query it already has.
    public var url: String {
        var fields: [(name: String, value: String)] = [
            ("response_type", "code"),
            ("client_id", clientID),
            ("redirect_uri", redirectURI),
            ("code_challenge", pkce.challenge),
            ("code_challenge_method", pkce.method),
            ("state", state),
            ("resource", resource),
        ]
        if let scopes, !scopes.isEmpty { fields.append(("scope", ScopeList.format(scopes))) }
        let endpoint = authorizationServer.authorizationEndpoint
        let (base, fragment) = Self.split(endpoint, at: "#")
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + FormEncoding.encode(fields) + (fragment.map { "#" + $0 } ?? "")
    }

    /// Checks the redirect back (its query string) and returns the authorization code.
    ///
    /// In order: `state` must be the one sent; `iss` must follow RFC 9207 as the specification's
    /// table says (compared as plain strings, never normalized); only then is an `error` acted on
    /// (so a forged response cannot even show its message); and a `code` must be present.
    public func validate(callbackQuery query: String) throws(AuthError) -> String {
        guard let fields = FormEncoding.decode(query) else {
            throw AuthError(.invalidValue, "the authorization response is not valid form encoding")
        }
        func value(_ name: String) -> String? { fields.first(where: { $0.name == name })?.value }
        guard let returned = value("state") else {
            throw AuthError(.stateMismatch, "the authorization response has no state; it is discarded")
        }
        guard returned == state else {
            throw AuthError(.stateMismatch, "the authorization response's state is not the one this request sent; it is discarded")
        }
        try IssuerCheck.validate(
            responseIssuer: value("iss"),
            recordedIssuer: recordedIssuer,
            issParameterSupported: authorizationServer.authorizationResponseIssParameterSupported
        )
        if let error = value("error") {
            let description = value("error_description").map { ": \($0)" } ?? ""
            throw AuthError(.authorizationDenied, "the authorization server \(recordedIssuer) refused: \(error)\(description)")
        }
        guard let code = value("code"), !code.isEmpty else {
            throw AuthError(.invalidValue, "the authorization response has neither a code nor an error")
        }
        return code
    }

    private static func split(_ text: String, at separator: Character) -> (String, String?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<index]), String(text[text.index(after: index)...]))
    }
}

/// RFC 9207 §2.4 as the MCP specification's table applies it.
public enum IssuerCheck {
    /// | supported | `iss` present | action |
    /// |---|---|---|
    /// | true | yes | compare with the recorded issuer |
    /// | true | no | reject |
    /// | false or absent | yes | compare with the recorded issuer |
    /// | false or absent | no | proceed |
    ///
    /// The comparison is of plain strings: no case folding, default ports, trailing slashes or
    /// percent-decoding beyond the form decoding already done.
    public static func validate(responseIssuer: String?, recordedIssuer: String, issParameterSupported: Bool) throws(AuthError) {
        switch (issParameterSupported, responseIssuer) {
        case (_, .some(let issuer)):
            guard issuer == recordedIssuer else {
                throw AuthError(
                    .authorizationResponseIssuer,
                    "the authorization response comes from \(issuer), not from \(recordedIssuer), the server it was sent to; it is discarded (a mix-up attack, RFC 9207)"
                )
            }
        case (true, .none):
            throw AuthError(
                .authorizationResponseIssuer,
                "the authorization server \(recordedIssuer) says it sends iss in its responses, but this one has none; it is discarded"
            )
        case (false, .none):
            return
        }
    }
}
