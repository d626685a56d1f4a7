public import MCPAuth

/// Why a server's sign-in does not work, step by step, the way `switchboard doctor` reports it:
/// the server's challenge, its protected resource metadata, its authorization server, how the
/// client would be registered, and the stored sign-in. The steps stop at the first that fails,
/// whose hint says what to do.
public struct AuthorizationDiagnosis: Sendable {
    public struct Step: Sendable, Hashable {
        public var name: String
        public var passed: Bool
        public var detail: String
        public var hint: String?

        public init(name: String, passed: Bool, detail: String, hint: String? = nil) {
            self.name = name
            self.passed = passed
            self.detail = detail
            self.hint = hint
        }
    }

    public var http: AuthorizationHTTPClient
    public var storage: (any TokenStorage)?
    public var registration: ClientRegistration
    /// Whether the server is signed in to as a machine client (client_credentials).
    public var machineClient: Bool
    /// What to tell someone to run: the server's name, or `--url URL`.
    public var login: String

    public init(http: AuthorizationHTTPClient, storage: (any TokenStorage)?, registration: ClientRegistration, machineClient: Bool, login: String) {
        self.http = http
        self.storage = storage
        self.registration = registration
        self.machineClient = machineClient
        self.login = login
    }

    public func run(serverURL: String) async -> [Step] {
        var steps: [Step] = []
        let discovery = AuthorizationDiscovery(http: http)
        let server: AbsoluteURL
        do { server = try AbsoluteURL(serverURL) } catch {
            return [Step(name: "challenge", passed: false, detail: error.message, hint: "give the server's URL as http(s)://host/path")]
        }

        // 1. The challenge.
        let challenge: AuthenticationChallenge?
        do {
            challenge = try await discovery.challenge(serverURL: serverURL)
        } catch {
            let hint =
                error.code == .unreachable
                ? "is the server running and reachable at that URL?"
                : "the server's WWW-Authenticate header cannot be read; its operator has to fix it"
            return steps + [Step(name: "challenge", passed: false, detail: error.message, hint: hint)]
        }
        if let challenge {
            var parts = ["Bearer"]
            if let url = challenge.resourceMetadata { parts.append("resource_metadata \(url)") }
            if let scopes = challenge.scopes { parts.append("scope \(ScopeList.format(scopes))") }
            if let error = challenge.error { parts.append("error \(error)") }
            steps.append(Step(name: "challenge", passed: true, detail: parts.joined(separator: ", ")))
        } else {
            steps.append(Step(name: "challenge", passed: true, detail: "a request without a token was not refused"))
        }

        // 2. The protected resource metadata.
        let protectedResource: ProtectedResourceMetadata?
        do {
            protectedResource = try await discovery.protectedResource(for: server, challenge: challenge)
        } catch {
            let hint =
                error.code == .resourceMismatch
                ? "the server publishes metadata for another resource; its operator has to fix \"resource\" (a token for it would not be accepted here)"
                : "the server's protected resource metadata cannot be used; its operator has to fix it"
            return steps + [Step(name: "resource metadata", passed: false, detail: error.message, hint: hint)]
        }
        if let protectedResource {
            steps.append(
                Step(
                    name: "resource metadata",
                    passed: true,
                    detail:
                        "resource \(protectedResource.resource), authorization server \(protectedResource.authorizationServers.joined(separator: ", "))"
                )
            )
        } else if challenge?.resourceMetadata != nil {
            return steps + [
                Step(
                    name: "resource metadata",
                    passed: false,
                    detail: "the challenge names \(challenge?.resourceMetadata ?? ""), which is not there",
                    hint: "the server's operator has to publish its protected resource metadata (RFC 9728)"
                )
            ]
        } else {
            steps.append(Step(name: "resource metadata", passed: true, detail: "none published: the 2025-03-26 rules apply (the server's origin)"))
        }

        // 3. The authorization server.
        let found: DiscoveredAuthorization
        do {
            found = try await discovery.discover(server: server, challenge: challenge, legacyRevision: protectedResource == nil)
            try found.authorizationServer.checkPKCE()
        } catch {
            let hint: String =
                switch error.code {
                case .issuerMismatch: "the authorization server's metadata names another issuer; its operator has to fix it"
                case .pkceUnsupported: "the authorization server must support PKCE with S256; Switchboard does not sign in without it"
                case .unreachable: "the authorization server cannot be reached from here"
                case .invalidURL:
                    "authorization traffic goes over https (or http on this machine) to public addresses; allow private ones with \"oauth\": {\"allowPrivateNetworks\": true}"
                default: "the authorization server's metadata cannot be used; its operator has to fix it"
                }
            return steps + [Step(name: "authorization server", passed: false, detail: error.message, hint: hint)]
        }
        let metadata = found.authorizationServer
        steps.append(
            Step(
                name: "authorization server",
                passed: true,
                detail: metadata.isFallback
                    ? "\(metadata.issuer), its default endpoints (no metadata published)"
                    : "\(metadata.issuer): PKCE S256, token endpoint \(metadata.tokenEndpoint)"
            )
        )

        // 4. The client.
        let stored = try? await storage?.load()
        if machineClient {
            guard metadata.grantTypesSupported?.contains("client_credentials") == true else {
                return steps + [
                    Step(
                        name: "registration",
                        passed: false,
                        detail: "\(metadata.issuer) does not offer the client_credentials grant",
                        hint: "remove \"grant\": \"client_credentials\" and sign in with `switchboard login \(login)`"
                    )
                ]
            }
            steps.append(Step(name: "registration", passed: true, detail: "the configured machine client (client_credentials)"))
        } else {
            let client = stored?.clients[metadata.issuer]
            do {
                let redirect = client?.redirectURIs.first ?? "http://127.0.0.1/callback"
                let detail: String =
                    switch try registration.choose(for: metadata, stored: client, redirectURI: redirect, scopes: nil, now: TokenRequests.wallClock())
                    {
                    case .preregistered(let configured): "the configured client \(configured.credentials.clientID)"
                    case .metadataDocument(let document): "the client metadata document \(document.credentials.clientID)"
                    case .stored(let registered): "registered before as \(registered.credentials.clientID)"
                    case .register(let endpoint): "dynamic registration at \(endpoint)"
                    }
                steps.append(Step(name: "registration", passed: true, detail: detail))
            } catch {
                return steps + [
                    Step(name: "registration", passed: false, detail: error.message, hint: "configure the client under \"oauth\" as the message says")
                ]
            }
        }

        // 5. The sign-in.
        guard let entry = stored?.servers[serverURL] else {
            let hint = machineClient ? "the next command signs in by itself; if it fails, its message says why" : "run `switchboard login \(login)`"
            return steps + [Step(name: "sign-in", passed: false, detail: "no sign-in stored for \(serverURL)", hint: hint)]
        }
        if entry.tokens.issuer != metadata.issuer {
            return steps + [
                Step(
                    name: "sign-in",
                    passed: false,
                    detail: "signed in at \(entry.tokens.issuer), but the server now names \(metadata.issuer)",
                    hint: "run `switchboard login \(login)` to sign in at the new authorization server"
                )
            ]
        }
        let now = TokenRequests.wallClock()
        if let expiresAt = entry.tokens.expiresAt, expiresAt <= now, entry.tokens.refreshToken == nil, !machineClient {
            return steps + [
                Step(name: "sign-in", passed: false, detail: "the token expired and cannot be refreshed", hint: "run `switchboard login \(login)`")
            ]
        }
        let scopes = entry.tokens.scopes.map { "scopes \(ScopeList.format($0))" } ?? "no scopes named"
        let refreshable = entry.tokens.refreshToken != nil ? "refreshable" : "not refreshable"
        steps.append(Step(name: "sign-in", passed: true, detail: "signed in at \(entry.tokens.issuer): \(scopes), \(refreshable)"))
        return steps
    }
}
