public import MCPAuth
public import MCPTransport

/// The `Authorization` header for one MCP server from its stored sign-in: the access token,
/// refreshed shortly before it expires and once when the server refuses it.
///
/// Every request to the server shares one instance, so concurrent requests that find the token
/// stale wait for one refresh instead of starting their own; and the refresh runs under the
/// store's lock, so another process (a second CLI, a hub replica) that refreshed first is
/// noticed and its token used.
public actor OAuthAuthorization: HTTPAuthorization {
    public nonisolated let serverURL: String
    /// The server's name, for the `switchboard login NAME` a failure asks for.
    public nonisolated let serverName: String
    let storage: any TokenStorage
    let http: AuthorizationHTTPClient
    let clock: @Sendable () -> Double
    /// Refresh this many seconds before expiry.
    let margin: Double

    private var current: StoredAuthorizations.Server?
    /// The refresh in flight, which every request that needs a new token waits for.
    private var renewal: Task<Result<StoredAuthorizations.Server, AuthError>, Never>?
    /// The token that the last refresh after a 401 produced: a 401 for it too means the sign-in
    /// itself is no longer accepted, and refreshing again would not help.
    private var renewedAfterRefusal: String?

    public init(
        serverURL: String,
        serverName: String,
        storage: any TokenStorage,
        http: AuthorizationHTTPClient,
        margin: Double = 60,
        clock: @escaping @Sendable () -> Double = TokenRequests.wallClock
    ) {
        self.serverURL = serverURL
        self.serverName = serverName
        self.storage = storage
        self.http = http
        self.margin = margin
        self.clock = clock
    }

    public func header() async throws(TransportError) -> String? {
        var entry = try await loaded()
        if entry.tokens.needsRefresh(now: clock(), margin: margin), entry.tokens.refreshToken != nil {
            entry = try await renew(replacing: entry.tokens.accessToken)
        }
        return "Bearer " + entry.tokens.accessToken
    }

    public func recover(status: Int, challenges: [String], sent: String?) async throws(TransportError) -> Bool {
        let challenge = try? AuthenticationChallenge.bearer(in: challenges)
        switch ChallengeResponse(status: status, challenge: challenge) {
        case .authenticate(_)?:
            let refused = sent.map { String($0.dropFirst("Bearer ".count)) }
            if let refused, refused == renewedAfterRefusal {
                throw signInRequired("\(serverURL) refused a token refreshed a moment ago")
            }
            let renewed = try await renew(replacing: refused)
            if renewed.tokens.accessToken == refused { return false }
            renewedAfterRefusal = renewed.tokens.accessToken
            return true
        case .stepUp(let scopes, _)?:
            let requested = current?.requestedScopes ?? current?.tokens.scopes ?? []
            let union = ScopeList.union(requested, scopes)
            throw TransportError(
                .authorizationRequired,
                "\(serverURL) needs the scopes \(ScopeList.format(scopes)), which this sign-in lacks: run `switchboard login \(serverName) --scope \"\(ScopeList.format(union))\"`",
                httpStatus: 403
            )
        default:
            return false
        }
    }

    /// The stored entry, read once and then kept (a refresh replaces it).
    private func loaded() async throws(TransportError) -> StoredAuthorizations.Server {
        if let current { return current }
        let stored: StoredAuthorizations
        do { stored = try await storage.load() } catch { throw transportError(error) }
        if let current { return current }
        guard let entry = stored.servers[serverURL] else {
            throw signInRequired("there is no sign-in for \(serverURL)")
        }
        current = entry
        return entry
    }

    /// A new token in place of `stale` (nil: whatever is current), shared with every request
    /// that asks meanwhile. If the current token is already another one, that one is used.
    private func renew(replacing stale: String?) async throws(TransportError) -> StoredAuthorizations.Server {
        let entry = try await loaded()
        if let renewal { return try unwrap(await renewal.value) }
        if let stale, entry.tokens.accessToken != stale { return entry }
        let (storage, http, serverURL, clock, margin) = (self.storage, self.http, self.serverURL, self.clock, self.margin)
        // Unstructured so that it belongs to no single request: every request that needs the
        // new token awaits this one task, and a request cancelled meanwhile does not cancel the
        // refresh the others wait for.
        let task = Task { () async -> Result<StoredAuthorizations.Server, AuthError> in
            do throws(AuthError) {
                return .success(
                    try await Self.refresh(
                        serverURL: serverURL,
                        stale: entry.tokens.accessToken,
                        storage: storage,
                        http: http,
                        now: clock(),
                        margin: margin
                    )
                )
            } catch {
                return .failure(error)
            }
        }
        renewal = task
        let result = await task.value
        renewal = nil
        let renewed = try unwrap(result)
        current = renewed
        return renewed
    }

    /// Refreshes under the store's lock: if another process already replaced `stale` with a
    /// token that is still good, that one is taken instead.
    static func refresh(
        serverURL: String,
        stale: String,
        storage: any TokenStorage,
        http: AuthorizationHTTPClient,
        now: Double,
        margin: Double
    ) async throws(AuthError) -> StoredAuthorizations.Server {
        try await storage.update { stored throws(AuthError) in
            guard var entry = stored.servers[serverURL] else {
                throw AuthError(.signInRequired, "the sign-in for \(serverURL) was removed")
            }
            if entry.tokens.accessToken != stale, !entry.tokens.needsRefresh(now: now, margin: margin) { return entry }
            guard let client = stored.clients[entry.tokens.issuer] else {
                throw AuthError(.signInRequired, "the registration with \(entry.tokens.issuer) was removed")
            }
            guard entry.tokens.refreshToken != nil else {
                throw AuthError(.signInRequired, "the token for \(serverURL) expired and there is no refresh token")
            }
            let requests = TokenRequests(http: http, issuer: entry.tokens.issuer, tokenEndpoint: entry.tokenEndpoint)
            do throws(AuthError) {
                entry.tokens = try await requests.refresh(entry.tokens, client: client.credentials)
            } catch  where error.code == .tokenRequestFailed {
                throw AuthError(.signInRequired, "the refresh was refused (\(error.message))")
            }
            stored.servers[serverURL] = entry
            return entry
        }
    }

    private func signInRequired(_ reason: String) -> TransportError {
        TransportError(.authorizationRequired, "\(reason): run `switchboard login \(serverName)`", httpStatus: 401)
    }

    private func unwrap(_ result: Result<StoredAuthorizations.Server, AuthError>) throws(TransportError) -> StoredAuthorizations.Server {
        switch result {
        case .success(let entry): return entry
        case .failure(let error): throw transportError(error)
        }
    }

    private func transportError(_ error: AuthError) -> TransportError {
        switch error.code {
        case .unreachable: TransportError(.connectionFailed, error.message, messageNotSent: true)
        default:
            TransportError(.authorizationRequired, "\(error.message): run `switchboard login \(serverName)`", httpStatus: 401, messageNotSent: true)
        }
    }
}
