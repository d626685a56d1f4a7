import JSONCore
import SwitchboardConfiguration
import SwitchboardGateway
import Testing

/// The rules bearer tokens are held to, as pure values: claims, scopes, and the limit on bad
/// credentials per address.
@Suite("Gateway: token claims, scopes and the failure limit")
struct TokenRulesTests {
    static let setting = GatewaySettings.JWTSetting(
        issuer: "https://id.example",
        audience: "https://gw.example/mcp",
        keys: .url("https://id.example/jwks"),
        rolesClaim: "groups",
        leewaySeconds: 30
    )
    static let now = 1_800_000_000.0

    static func claims(_ changes: JSONObject = [:]) -> JSONObject {
        var claims: JSONObject = [
            "iss": "https://id.example", "aud": "https://gw.example/mcp", "sub": "alice", "exp": .int(Int(now) + 60),
            "groups": ["reader", "ops"], "scope": "mcp files:read",
        ]
        for (key, value) in changes { claims[key] = value }
        return claims
    }

    func principal(_ changes: JSONObject = [:], at now: Double = TokenRulesTests.now) throws(TokenRejection) -> Principal {
        try TokenClaims(setting: Self.setting).principal(from: Self.claims(changes), now: now)
    }

    @Test("a valid token makes a principal: the subject, the roles of the configured claim, the scopes")
    func accepted() throws {
        let alice = try principal()
        #expect(alice == Principal(name: "alice", roles: ["reader", "ops"], method: .jwt, scopes: ["mcp", "files:read"]))
        // Roles as one space-separated string, scopes as "scp", an audience among several.
        let other = try principal(["groups": "admin", "scope": nil, "scp": ["a", "b"], "aud": ["https://other", "https://gw.example/mcp"]])
        #expect(other.roles == ["admin"] && other.scopes == ["a", "b"])
        // No roles claim and no scope: a principal with neither, whom roles then refuse.
        let bare = try principal(["groups": nil, "scope": nil])
        #expect(bare.roles.isEmpty && bare.scopes == [])
    }

    @Test("issuer, audience, expiry (with the leeway), not-before and subject are each checked")
    func refused() {
        #expect(throws: TokenRejection.wrongIssuer(found: "https://evil", expected: "https://id.example")) { try principal(["iss": "https://evil"]) }
        #expect(throws: TokenRejection.wrongIssuer(found: nil, expected: "https://id.example")) { try principal(["iss": nil]) }
        #expect(throws: TokenRejection.wrongAudience(found: ["https://gw.example"], expected: "https://gw.example/mcp")) {
            try principal(["aud": "https://gw.example"])
        }
        #expect(throws: TokenRejection.wrongAudience(found: [], expected: "https://gw.example/mcp")) { try principal(["aud": nil]) }
        #expect(throws: TokenRejection.missingClaim("exp")) { try principal(["exp": nil]) }
        #expect(throws: TokenRejection.missingClaim("exp")) { try principal(["exp": "soon"]) }
        // Expired 20 s ago: within the 30 s leeway. 31 s ago: refused.
        #expect(throws: Never.self) { try principal(at: Self.now + 80) }
        #expect(throws: TokenRejection.expired(secondsAgo: 31)) { try principal(at: Self.now + 91) }
        #expect(throws: Never.self) { try principal(["nbf": .int(Int(Self.now) + 20)]) }
        #expect(throws: TokenRejection.notYetValid(secondsAhead: 40)) { try principal(["nbf": .int(Int(Self.now) + 40)]) }
        #expect(throws: TokenRejection.missingClaim("sub")) { try principal(["sub": ""]) }
        #expect(throws: TokenRejection.missingClaim("sub")) { try principal(["sub": 7]) }
    }

    @Test("every rejection says what to fix, and which RFC 6750 error it is")
    func messages() {
        #expect(TokenRejection.wrongAudience(found: ["x"], expected: "https://gw/mcp").description.contains("resource=https://gw/mcp"))
        #expect(TokenRejection.unsupportedAlgorithm("HS256").description.contains("accepts RS256 and ES256"))
        #expect(TokenRejection.expired(secondsAgo: 5).oauthError == "invalid_token")
        #expect(TokenRejection.keysUnavailable("down").oauthError == "temporarily_unavailable")
    }

    @Test("only three-part credentials that are not API keys are taken for JWTs")
    func credentialKinds() {
        #expect(TokenVerifier.looksLikeJWT("eyJ.eyJ.sig"))
        #expect(TokenVerifier.looksLikeJWT("eyJ.eyJ."))
        #expect(!TokenVerifier.looksLikeJWT(APIKey.generate().text))
        #expect(!TokenVerifier.looksLikeJWT("sbk_a.b.c"))
        #expect(!TokenVerifier.looksLikeJWT("one.two"))
    }

    @Test("a request needs the required scopes and those of every glob its item matches, each once")
    func scopes() {
        let policy = ScopePolicy(
            GatewaySettings.JWTSetting.Scopes(
                required: ["mcp"],
                tools: ["files__*": ["files:read"], "files__write*": ["files:write", "files:read"], "*": ["mcp"]],
                resources: ["file:///secret/*": ["secrets"]],
                prompts: [:]
            )
        )
        #expect(policy.needed(for: .tool, "files__write_file") == ["mcp", "files:read", "files:write"])
        #expect(policy.needed(for: .tool, "files__list") == ["mcp", "files:read"])
        #expect(policy.needed(for: .tool, "time__now") == ["mcp"])
        #expect(policy.needed(for: .resource, "file:///secret/key") == ["mcp", "secrets"])
        #expect(policy.needed(for: .prompt, "files__write_file") == ["mcp"], "tool globs do not govern prompts")
        #expect(policy.supported == ["mcp", "files:read", "files:write", "secrets"])
        #expect(ScopePolicy.missing(["mcp", "files:read", "files:write"], from: ["mcp", "files:read"]) == ["files:write"])
        #expect(ScopePolicy.missing(["mcp"], from: ["mcp", "other"]).isEmpty)
    }

    @Test("a token is held to scopes only for items its roles let it see; API keys are not held to scopes")
    func scopesFollowRoles() throws {
        let settings = GatewaySettings(
            apiKeys: [],
            roles: ["reader": .init(allow: .init(tools: ["files__read*"]))],
            jwt: GatewaySettings.JWTSetting(
                issuer: "https://id",
                audience: "https://gw/mcp",
                keys: .file("/dev/null"),
                scopes: .init(required: ["mcp"], tools: ["files__*": ["files"]])
            )
        )
        let access = try GatewayAccess(settings: settings)
        let token = Principal(name: "t", roles: ["reader"], method: .jwt, scopes: ["mcp"])
        #expect(access.missingScopes(token, .tool, "files__read").missing == ["files"])
        #expect(access.missingScopes(token, .tool, "files__read").needed == ["mcp", "files"])
        #expect(access.missingScopes(token, .tool, "files__delete").missing.isEmpty, "hidden by the role: refused as absent instead")
        let key = Principal(name: "k", roles: ["reader"], method: .apiKey)
        #expect(access.missingScopes(key, .tool, "files__read").missing.isEmpty)
    }

    @Test("bad credentials block an address after the limit until its window ends; other addresses go on")
    func failureLimit() {
        var limiter = FailureLimiter(limit: 3, windowSeconds: 60)
        #expect(limiter.recordFailure(from: "10.0.0.1", now: 0) == false)
        #expect(limiter.recordFailure(from: "10.0.0.1", now: 10) == false)
        #expect(limiter.decision(for: "10.0.0.1", now: 11) == .proceed)
        #expect(limiter.recordFailure(from: "10.0.0.1", now: 20) == true, "the third failure is the one that blocks")
        #expect(limiter.decision(for: "10.0.0.1", now: 21) == .blocked(retryAfter: 39))
        #expect(limiter.decision(for: "10.0.0.2", now: 21) == .proceed)
        #expect(limiter.decision(for: "10.0.0.1", now: 60) == .proceed, "the window that started at 0 ended")
        #expect(limiter.recordFailure(from: "10.0.0.1", now: 61) == false, "a new window counts from one")
    }

    @Test("many addresses cannot grow the table past its capacity; ended windows go first, then the oldest")
    func failureLimitCapacity() {
        var limiter = FailureLimiter(limit: 2, windowSeconds: 10, capacity: 3)
        limiter.recordFailure(from: "a", now: 0)
        limiter.recordFailure(from: "a", now: 0)
        limiter.recordFailure(from: "b", now: 5)
        limiter.recordFailure(from: "c", now: 6)
        limiter.recordFailure(from: "d", now: 7)
        #expect(limiter.trackedAddresses == 3)
        #expect(limiter.decision(for: "a", now: 7) == .proceed, "the oldest window made room")
        limiter.recordFailure(from: "e", now: 20)
        #expect(limiter.trackedAddresses == 1, "ended windows were dropped")
    }
}
