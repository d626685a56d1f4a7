import MCPAuth
import Testing

@Suite("What a refused request leads to: refresh, sign-in, step-up, or a failure")
struct RenewalPolicyTests {
    static func signIn(token: String = "t1", refresh: String? = "r1", requested: [String]? = ["mcp:basic"]) -> StoredAuthorizations.Server {
        StoredAuthorizations.Server(
            tokens: TokenSet(
                accessToken: token,
                refreshToken: refresh,
                scopes: requested,
                expiresAt: 2000,
                issuer: "https://as.example",
                resource: "https://mcp.example/mcp"
            ),
            tokenEndpoint: "https://as.example/token",
            name: "notes",
            requestedScopes: requested
        )
    }

    static let insufficient = AuthenticationChallenge(scheme: "Bearer", parameters: ["error": "insufficient_scope", "scope": "mcp:write"])
    static let invalid = AuthenticationChallenge(scheme: "Bearer", parameters: ["error": "invalid_token"])

    func refusal(
        _ status: Int,
        _ challenge: AuthenticationChallenge?,
        sent: String? = "t1",
        current: StoredAuthorizations.Server? = signIn(),
        refreshed: String? = nil,
        renewals: Int = 0
    ) -> RenewalPolicy.Refusal {
        RenewalPolicy.Refusal(
            status: status,
            challenge: challenge,
            sentToken: sent,
            current: current,
            refreshedAfterRefusal: refreshed,
            renewals: renewals
        )
    }

    @Test("401: refresh once; a fresh token refused too, or no refresh token, needs a sign-in")
    func unauthorized() {
        let quiet = RenewalPolicy(canSignIn: false)
        let present = RenewalPolicy(canSignIn: true)
        #expect(quiet.step(for: refusal(401, Self.invalid)) == .refresh)
        #expect(
            quiet.step(for: refusal(401, nil, refreshed: "t1"))
                == .fail(.signInRequired(.signInExpired("the server refused a token refreshed a moment ago")))
        )
        #expect(
            present.step(for: refusal(401, nil, refreshed: "t1"))
                == .authorize(scopes: ["mcp:basic"], reason: .signInExpired("the server refused a token refreshed a moment ago"))
        )
        let noRefresh = refusal(401, nil, current: Self.signIn(refresh: nil))
        #expect(quiet.step(for: noRefresh) == .fail(.signInRequired(.signInExpired("the server refused the token, and there is no refresh token"))))
        #expect(quiet.step(for: refusal(401, nil, sent: nil, current: nil)) == .fail(.signInRequired(.noSignIn)))
        // With nobody signed in, discovery chooses the scopes (the challenge's, offline_access where offered).
        #expect(present.step(for: refusal(401, Self.invalid, sent: nil, current: nil)) == .authorize(scopes: nil, reason: .noSignIn))
    }

    @Test("a request sent with a token another request has since renewed is sent again, not renewed twice")
    func renewedMeanwhile() {
        let policy = RenewalPolicy(canSignIn: true)
        #expect(policy.step(for: refusal(401, nil, sent: "t0")) == .sendAgain)
        #expect(policy.step(for: refusal(403, Self.insufficient, sent: "t0")) == .sendAgain)
        // Sent before anyone was signed in, and someone has signed in since.
        #expect(policy.step(for: refusal(401, nil, sent: nil)) == .sendAgain)
    }

    @Test("403 insufficient_scope: sign in again with the union of the scopes asked for before and the challenged ones")
    func stepUp() {
        let present = RenewalPolicy(canSignIn: true)
        let current = Self.signIn(requested: ["mcp:basic", "offline_access"])
        #expect(
            present.step(for: refusal(403, Self.insufficient, current: current))
                == .authorize(scopes: ["mcp:basic", "offline_access", "mcp:write"], reason: .insufficientScope)
        )
        // Nobody there: the failure names the scopes to sign in with.
        #expect(
            RenewalPolicy(canSignIn: false).step(for: refusal(403, Self.insufficient, current: current))
                == .fail(.scopeRequired(["mcp:basic", "offline_access", "mcp:write"]))
        )
    }

    @Test("any other 403 is not retried: the same token would get the same answer")
    func forbidden() {
        let policy = RenewalPolicy(canSignIn: true)
        #expect(policy.step(for: refusal(403, nil)) == .refusalStands)
        #expect(policy.step(for: refusal(403, Self.invalid)) == .refusalStands)
        #expect(
            policy.step(for: refusal(403, AuthenticationChallenge(scheme: "Basic", parameters: ["error": "insufficient_scope"]))) == .refusalStands
        )
        #expect(policy.step(for: refusal(500, Self.invalid)) == .refusalStands)
    }

    @Test("one request is renewed at most three times, whatever each renewal was")
    func limit() {
        let policy = RenewalPolicy(canSignIn: true)
        for renewals in 0..<3 {
            #expect(
                policy.step(for: refusal(403, Self.insufficient, renewals: renewals))
                    == .authorize(scopes: ["mcp:basic", "mcp:write"], reason: .insufficientScope)
            )
        }
        #expect(
            policy.step(for: refusal(403, Self.insufficient, renewals: 3))
                == .fail(.limitReached(renewals: 3, lastScopes: ["mcp:basic", "mcp:write"]))
        )
        #expect(policy.step(for: refusal(401, Self.invalid, renewals: 3)) == .fail(.limitReached(renewals: 3, lastScopes: ["mcp:basic"])))
        #expect(policy.step(for: refusal(401, nil, sent: nil, current: nil, renewals: 3)) == .fail(.limitReached(renewals: 3, lastScopes: nil)))
        #expect(
            RenewalPolicy(limit: 0, canSignIn: true).step(for: refusal(401, nil)) == .fail(.limitReached(renewals: 0, lastScopes: ["mcp:basic"]))
        )
    }

    @Test("after a failed refresh or a move to another authorization server: a sign-in, or a failure saying so")
    func afterFailedRefresh() {
        let moved = RenewalPolicy.Reason.authorizationServerChanged(to: "https://as2.example")
        #expect(RenewalPolicy(canSignIn: false).afterFailedRefresh(moved, current: Self.signIn(), renewals: 0) == .fail(.signInRequired(moved)))
        #expect(
            RenewalPolicy(canSignIn: true).afterFailedRefresh(moved, current: Self.signIn(), renewals: 1)
                == .authorize(scopes: ["mcp:basic"], reason: moved)
        )
    }
}
