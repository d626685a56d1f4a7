public import MCPAuth
public import MCPTransport

/// Obtains a new sign-in for one server, when a request needs one it does not have, more scope,
/// or one that can no longer be refreshed: through the browser (a person signs in), or with a
/// machine client's own credentials.
public protocol SignInFlow: Sendable {
    /// Whether a person takes part (the browser). One who does not is asked for a new token
    /// before the old one expires, not after the server refuses it.
    var needsPerson: Bool { get }

    /// Signs in to `serverURL` asking for `scopes` (nil: the ones discovery chooses), after
    /// `challenge` when the server sent one; stores the result and returns it.
    func signIn(
        serverURL: String,
        serverName: String?,
        scopes: [String]?,
        challenge: AuthenticationChallenge?,
        reason: RenewalPolicy.Reason
    ) async throws(AuthError) -> StoredAuthorizations.Server
}

/// The `Authorization` header for one MCP server from its stored sign-in: the access token,
/// refreshed shortly before it expires and when the server refuses it, and renewed through the
/// authorization flow when it can be (a ``SignInFlow``: someone at the browser, or a machine
/// client's own credentials): a server that
/// asks for a sign-in, more scope (step-up), or moved to another authorization server.
///
/// Every request to the server shares one instance, so concurrent requests that need a new token
/// wait for one refresh or one sign-in instead of starting their own; and a refresh runs under
/// the store's lock, so another process (a second CLI, a hub replica) that refreshed first is
/// noticed and its token used. What to do about each refusal is ``RenewalPolicy``'s decision.
public actor OAuthAuthorization: HTTPAuthorization {
    public nonisolated let serverURL: String
    /// The server's name, or `--url URL`: what a failure tells someone to `switchboard login`.
    public nonisolated let serverName: String
    /// The server's name in the configuration, kept with a new sign-in.
    let configuredName: String?
    let storage: any TokenStorage
    let http: AuthorizationHTTPClient
    let signInFlow: (any SignInFlow)?
    let policy: RenewalPolicy
    let clock: @Sendable () -> Double
    /// Refresh this many seconds before expiry.
    let margin: Double
    /// Where what happens is told (`--trace`): tokens only as ``TokenFingerprint``s.
    let trace: (@Sendable (String) -> Void)?

    private var current: StoredAuthorizations.Server?
    private var loadedOnce = false
    /// The renewal in flight (a refresh or a sign-in), which every request that needs a new
    /// token waits for.
    private var renewal: Task<Result<StoredAuthorizations.Server, AuthError>, Never>?
    /// The token the last refresh after a refusal produced.
    private var refreshedAfterRefusal: String?

    public init(
        serverURL: String,
        serverName: String,
        configuredName: String? = nil,
        storage: any TokenStorage,
        http: AuthorizationHTTPClient,
        signInFlow: (any SignInFlow)? = nil,
        renewalLimit: Int = RenewalPolicy.defaultLimit,
        margin: Double = 60,
        clock: @escaping @Sendable () -> Double = TokenRequests.wallClock,
        trace: (@Sendable (String) -> Void)? = nil
    ) {
        self.serverURL = serverURL
        self.serverName = serverName
        self.configuredName = configuredName
        self.storage = storage
        self.http = http
        self.signInFlow = signInFlow
        self.policy = RenewalPolicy(limit: renewalLimit, canSignIn: signInFlow != nil)
        self.margin = margin
        self.clock = clock
        self.trace = trace
    }

    /// The current access token, refreshed first when it is about to expire; nil when there is
    /// no sign-in (the request goes without, and a 401 says whether one is needed), except for a
    /// machine client, which signs in at once.
    public func header() async throws(TransportError) -> String? {
        let unattended = signInFlow.map { !$0.needsPerson } ?? false
        guard var entry = try await loaded() else {
            guard unattended else { return nil }
            return "Bearer " + (try await perform(.authorize(scopes: nil, reason: .noSignIn), challenge: nil)).tokens.accessToken
        }
        if entry.tokens.needsRefresh(now: clock(), margin: margin) {
            if entry.tokens.refreshToken != nil {
                do throws(AuthError) {
                    entry = try await renew(.refresh, replacing: entry.tokens.accessToken)
                } catch  where error.code == .signInRequired && signInFlow != nil {
                    entry = try await perform(policy.afterFailedRefresh(.signInExpired(error.message), current: entry, renewals: 0), challenge: nil)
                } catch {
                    throw transportError(error)
                }
            } else if unattended {
                // No refresh token (the client_credentials grant issues none): a new token.
                entry = try await perform(.authorize(scopes: entry.requestedScopes, reason: .signInExpired("the token expires")), challenge: nil)
            }
        }
        if let trace {
            let expiry = entry.tokens.expiresAt.map { " (expires in \(Int(($0 - clock()).rounded())) s)" } ?? ""
            trace("sending \(TokenFingerprint.of(entry.tokens.accessToken))\(expiry) to \(serverURL)")
        }
        return "Bearer " + entry.tokens.accessToken
    }

    public func recover(_ refusal: AuthorizationRefusal) async throws(TransportError) -> Bool {
        let challenge = try? AuthenticationChallenge.bearer(in: refusal.challenges)
        _ = try await loaded()
        // A renewal under way may be the one this request needs: decide once it is done.
        if let renewal { _ = await renewal.value }
        let sentToken = refusal.sent.map { $0.hasPrefix("Bearer ") ? String($0.dropFirst("Bearer ".count)) : $0 }
        let step = policy.step(
            for: RenewalPolicy.Refusal(
                status: refusal.status,
                challenge: challenge,
                sentToken: sentToken,
                current: current,
                refreshedAfterRefusal: refreshedAfterRefusal,
                renewals: refusal.renewals
            )
        )
        if let trace {
            let sent = sentToken.map(TokenFingerprint.of) ?? "no token"
            let said = [challenge?.error, challenge?.scopes.map { "scope " + ScopeList.format($0) }].compactMap { $0 }.joined(separator: ", ")
            trace("\(serverURL) refused \(sent) with HTTP \(refusal.status)\(said.isEmpty ? "" : " (\(said))"): \(Self.describe(step))")
        }
        switch step {
        case .sendAgain: return true
        case .refusalStands: return false
        case .refresh:
            if let current, let moved = await authorizationServerChange(challenge: challenge, from: current.tokens.issuer) {
                _ = try await perform(
                    policy.afterFailedRefresh(.authorizationServerChanged(to: moved), current: current, renewals: refusal.renewals),
                    challenge: challenge
                )
                return true
            }
            do throws(AuthError) {
                let renewed = try await renew(.refresh, replacing: sentToken)
                refreshedAfterRefusal = renewed.tokens.accessToken
                trace?("refreshed: \(TokenFingerprint.of(renewed.tokens.accessToken))")
                return true
            } catch  where error.code == .signInRequired {
                _ = try await perform(
                    policy.afterFailedRefresh(.signInExpired(error.message), current: current, renewals: refusal.renewals),
                    challenge: challenge
                )
                return true
            } catch {
                throw transportError(error)
            }
        case .authorize, .fail:
            _ = try await perform(step, challenge: challenge)
            return true
        }
    }

    /// Carries out a step that ends in a sign-in or a failure.
    private func perform(_ step: RenewalPolicy.Step, challenge: AuthenticationChallenge?) async throws(TransportError) -> StoredAuthorizations.Server
    {
        switch step {
        case .authorize(let scopes, let reason):
            do throws(AuthError) {
                let entry = try await renew(.authorize(scopes: scopes, challenge: challenge, reason: reason), replacing: current?.tokens.accessToken)
                refreshedAfterRefusal = nil
                return entry
            } catch {
                throw transportError(error)
            }
        case .fail(let failure):
            throw transportError(failure)
        case .sendAgain, .refresh, .refusalStands:
            preconditionFailure("perform(_:) carries out a sign-in or a failure, not \(step)")
        }
    }

    /// The stored entry, read once and then kept (a renewal replaces it).
    private func loaded() async throws(TransportError) -> StoredAuthorizations.Server? {
        if loadedOnce { return current }
        let stored: StoredAuthorizations
        do { stored = try await storage.load() } catch { throw transportError(error) }
        if !loadedOnce {
            current = stored.servers[serverURL]
            loadedOnce = true
        }
        return current
    }

    private enum Renewal: Sendable {
        case refresh
        case authorize(scopes: [String]?, challenge: AuthenticationChallenge?, reason: RenewalPolicy.Reason)
    }

    /// A new token in place of `stale`, shared with every request that asks meanwhile: the
    /// renewal under way when there is one, else the current token if it is already another.
    private func renew(_ kind: Renewal, replacing stale: String?) async throws(AuthError) -> StoredAuthorizations.Server {
        if let renewal { return try await renewal.value.get() }
        if let current, let stale, current.tokens.accessToken != stale { return current }
        let (storage, http, serverURL, clock, margin) = (self.storage, self.http, self.serverURL, self.clock, self.margin)
        let (signInFlow, configuredName) = (self.signInFlow, self.configuredName)
        // Unstructured so that it belongs to no single request: every request that needs the
        // new token awaits this one task, and a request cancelled meanwhile does not cancel the
        // renewal the others wait for.
        let task = Task { () async -> Result<StoredAuthorizations.Server, AuthError> in
            do throws(AuthError) {
                switch kind {
                case .refresh:
                    return .success(
                        try await Self.refresh(serverURL: serverURL, stale: stale, storage: storage, http: http, now: clock(), margin: margin)
                    )
                case .authorize(let scopes, let challenge, let reason):
                    guard let signInFlow else { preconditionFailure("the renewal policy authorizes only with a sign-in flow") }
                    return .success(
                        try await signInFlow.signIn(
                            serverURL: serverURL,
                            serverName: configuredName,
                            scopes: scopes,
                            challenge: challenge,
                            reason: reason
                        )
                    )
                }
            } catch {
                return .failure(error)
            }
        }
        renewal = task
        let result = await task.value
        renewal = nil
        let renewed = try result.get()
        current = renewed
        return renewed
    }

    /// Refreshes under the store's lock: if another process already replaced `stale` with a
    /// token that is still good, that one is taken instead.
    static func refresh(
        serverURL: String,
        stale: String?,
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
            guard let client = stored.client(for: entry) else {
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

    /// The authorization server the server's protected resource metadata names now, when it no
    /// longer lists `issuer`: the server moved, so its tokens come from elsewhere and the old
    /// registration must not be used there. Nil when it still lists it, or the metadata cannot
    /// be read (a refresh then decides).
    private func authorizationServerChange(challenge: AuthenticationChallenge?, from issuer: String) async -> String? {
        guard let server = try? AbsoluteURL(serverURL),
            let metadata = try? await AuthorizationDiscovery(http: http).protectedResource(for: server, challenge: challenge),
            !metadata.authorizationServers.contains(issuer)
        else { return nil }
        return metadata.authorizationServers[0]
    }

    private func transportError(_ failure: RenewalPolicy.Failure) -> TransportError {
        switch failure {
        case .signInRequired(let reason):
            return TransportError(.authorizationRequired, "\(describe(reason)): run `switchboard login \(serverName)`", httpStatus: 401)
        case .scopeRequired(let scopes):
            return TransportError(
                .authorizationRequired,
                "\(serverURL) needs more scope than this sign-in has: run `switchboard login \(serverName) --scope \"\(ScopeList.format(scopes))\"`",
                httpStatus: 403
            )
        case .limitReached(let renewals, let scopes):
            let asked = scopes.map { "; last asked for \(ScopeList.format($0))" } ?? ""
            return TransportError(
                .authorizationRequired,
                "\(serverURL) still refuses the request after \(renewals) renewals of its sign-in\(asked); giving up (the server may never grant it)",
                httpStatus: 403
            )
        }
    }

    /// A step as `--trace` tells it.
    static func describe(_ step: RenewalPolicy.Step) -> String {
        switch step {
        case .sendAgain: "sending again with the token renewed meanwhile"
        case .refresh: "refreshing"
        case .authorize(let scopes, _): "signing in" + (scopes.map { " for " + ScopeList.format($0) } ?? "")
        case .refusalStands: "the refusal stands"
        case .fail: "giving up"
        }
    }

    private func describe(_ reason: RenewalPolicy.Reason) -> String {
        switch reason {
        case .noSignIn: "\(serverURL) needs a sign-in, and there is none"
        case .signInExpired(let why): why
        case .authorizationServerChanged(let issuer):
            "\(serverURL) now uses the authorization server \(issuer), not the one it was signed in with"
        case .insufficientScope: "\(serverURL) needs more scope"
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
