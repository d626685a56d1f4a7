/// What to do about a request an MCP server refused for its credentials, decided without I/O:
/// send it again with a token another request already renewed, refresh, go through the
/// authorization flow (the browser), let the refusal stand, or fail with what someone has to do.
///
/// One request is renewed at most ``limit`` times, whatever each renewal was (a refresh, a
/// sign-in, a step-up): a server that keeps asking for scope it never grants ends the operation
/// instead of sending the user through the browser without end.
public struct RenewalPolicy: Sendable, Hashable {
    public static let defaultLimit = 3

    /// Renewals of one request before its refusal is final.
    public var limit: Int
    /// Whether a new sign-in can be made now (someone is there to use the browser, or a machine
    /// client has its own credentials); without, a refusal that needs one fails with what to run.
    public var canSignIn: Bool

    public init(limit: Int = RenewalPolicy.defaultLimit, canSignIn: Bool) {
        precondition(limit >= 0, "a renewal limit cannot be negative")
        self.limit = limit
        self.canSignIn = canSignIn
    }

    /// Why the authorization flow has to run.
    public enum Reason: Sendable, Hashable {
        /// There is no sign-in for the server.
        case noSignIn
        /// The sign-in can no longer be renewed: no refresh token, a refused refresh, or a fresh
        /// token refused too.
        case signInExpired(String)
        /// The server names another authorization server than the one that issued the token.
        case authorizationServerChanged(to: String)
        /// The token lacks scope the operation needs (`403 insufficient_scope`).
        case insufficientScope
    }

    /// What stops the request, and what someone can do about it.
    public enum Failure: Sendable, Hashable {
        /// Someone has to sign in (`switchboard login NAME`).
        case signInRequired(Reason)
        /// Someone has to sign in again with these scopes (`--scope "..."`).
        case scopeRequired([String])
        /// The request was renewed ``limit`` times and is still refused.
        case limitReached(renewals: Int, lastScopes: [String]?)
    }

    public enum Step: Sendable, Hashable {
        /// Another request renewed the token meanwhile: send again with the current one.
        case sendAgain
        /// Refresh the access token, then send again.
        case refresh
        /// Run the authorization flow for these scopes (nil: the ones discovery chooses).
        case authorize(scopes: [String]?, reason: Reason)
        /// Not about the token (a 403 without `insufficient_scope`): the same token would get
        /// the same answer, so the request fails with the server's answer.
        case refusalStands
        case fail(Failure)
    }

    /// A refused request, and what is known of the sign-in.
    public struct Refusal: Sendable, Hashable {
        public var status: Int
        public var challenge: AuthenticationChallenge?
        /// The access token the request carried (nil: it carried none).
        public var sentToken: String?
        /// The sign-in now: nil when none is stored.
        public var current: StoredAuthorizations.Server?
        /// The token the last refresh after a refusal produced: refused too, the sign-in itself
        /// is no longer accepted.
        public var refreshedAfterRefusal: String?
        /// How many times this request was already renewed.
        public var renewals: Int

        public init(
            status: Int,
            challenge: AuthenticationChallenge?,
            sentToken: String?,
            current: StoredAuthorizations.Server?,
            refreshedAfterRefusal: String?,
            renewals: Int
        ) {
            self.status = status
            self.challenge = challenge
            self.sentToken = sentToken
            self.current = current
            self.refreshedAfterRefusal = refreshedAfterRefusal
            self.renewals = renewals
        }
    }

    public func step(for refusal: Refusal) -> Step {
        guard let response = ChallengeResponse(status: refusal.status, challenge: refusal.challenge) else { return .refusalStands }
        if case .forbidden = response { return .refusalStands }
        if let current = refusal.current, refusal.sentToken != current.tokens.accessToken {
            // Renewed by another request since this one was sent: no second renewal.
            return refusal.renewals < limit ? .sendAgain : .fail(.limitReached(renewals: refusal.renewals, lastScopes: current.tokens.scopes))
        }
        switch response {
        case .authenticate:
            guard let current = refusal.current else {
                // Discovery chooses the scopes: the challenge's, with offline_access where offered.
                return authorize(scopes: nil, reason: .noSignIn, renewals: refusal.renewals)
            }
            if refusal.sentToken == refusal.refreshedAfterRefusal || current.tokens.refreshToken == nil {
                let why =
                    current.tokens.refreshToken == nil
                    ? "the server refused the token, and there is no refresh token"
                    : "the server refused a token refreshed a moment ago"
                return authorize(scopes: current.requestedScopes, reason: .signInExpired(why), renewals: refusal.renewals)
            }
            return refusal.renewals < limit ? .refresh : .fail(.limitReached(renewals: refusal.renewals, lastScopes: current.tokens.scopes))
        case .stepUp(let scopes, _):
            let previous = refusal.current?.requestedScopes ?? refusal.current?.tokens.scopes ?? []
            let union = ScopeList.union(previous, scopes)
            guard refusal.renewals < limit else { return .fail(.limitReached(renewals: refusal.renewals, lastScopes: union)) }
            return canSignIn ? .authorize(scopes: union, reason: .insufficientScope) : .fail(.scopeRequired(union))
        case .forbidden:
            return .refusalStands
        }
    }

    /// After a refresh that failed for `reason` (refused, or the authorization server changed).
    public func afterFailedRefresh(_ reason: Reason, current: StoredAuthorizations.Server?, renewals: Int) -> Step {
        authorize(scopes: current?.requestedScopes, reason: reason, renewals: renewals)
    }

    private func authorize(scopes: [String]?, reason: Reason, renewals: Int) -> Step {
        guard canSignIn else { return .fail(.signInRequired(reason)) }
        guard renewals < limit else { return .fail(.limitReached(renewals: renewals, lastScopes: scopes)) }
        return .authorize(scopes: scopes, reason: reason)
    }
}
