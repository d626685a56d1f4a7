public import MCPServer
public import SwitchboardConfiguration

extension Principal: CallerIdentity {}

/// Who may use the gateway and what each may do: the API keys, the bearer tokens of an
/// authorization server, the roles' policy, the scopes tokens need, and who a caller without
/// credentials is. Made from the configuration's `"gateway"` section, again whenever the file
/// is reloaded.
public struct GatewayAccess: Sendable {
    public let keys: APIKeyDirectory
    public let policy: AccessPolicy
    /// The principal of a request without credentials; nil when such requests are refused.
    public let anonymous: Principal?
    /// Checks bearer tokens; nil when the gateway takes API keys only.
    public let tokens: TokenVerifier?
    /// The scopes tokens need (empty without `"jwt"`).
    public let scopes: ScopePolicy
    /// How many bad credentials an address may send before it is refused for a while.
    public let failureLimit: GatewaySettings.FailureLimit
    /// The gateway as an OAuth protected resource, when tokens are accepted.
    let resource: ProtectedResource?

    /// - Parameters:
    ///   - settings: the `"gateway"` section; nil (no section) lets every caller do
    ///     everything, which ``Gateway`` allows on a loopback address only.
    ///   - endpointPath: the MCP endpoint's path, which the protected resource is named by.
    ///   - keySource: where the token verifier reads its key set; nil uses the configured one.
    public init(
        settings: GatewaySettings?,
        endpointPath: String = "/mcp",
        keySource: (any KeySetSource)? = nil
    ) throws(APIKeyDirectory.Problem) {
        guard let settings else {
            keys = try APIKeyDirectory([])
            policy = .unrestricted
            anonymous = Principal(name: "anonymous", roles: [], method: .anonymous)
            tokens = nil
            scopes = ScopePolicy(GatewaySettings.JWTSetting.Scopes())
            failureLimit = GatewaySettings.FailureLimit()
            resource = nil
            return
        }
        keys = try APIKeyDirectory(configured: settings.apiKeys)
        policy = AccessPolicy(roles: settings.roles)
        anonymous = settings.anonymousRoles.map { Principal(name: "anonymous", roles: $0, method: .anonymous) }
        tokens = settings.jwt.map { TokenVerifier(setting: $0, source: keySource) }
        let scopes = ScopePolicy(settings.jwt?.scopes ?? GatewaySettings.JWTSetting.Scopes())
        self.scopes = scopes
        failureLimit = settings.failedAuthentication
        resource = settings.jwt.map { ProtectedResource(setting: $0, scopes: scopes, endpointPath: endpointPath) }
    }

    /// Whether a caller must present a credential.
    public var requiresCredentials: Bool { anonymous == nil }

    /// Whether anyone at all can reach what the gateway serves without a credential, with
    /// every permission: the open mode of a gateway started without a `"gateway"` section.
    public var isOpen: Bool { anonymous != nil && policy == .unrestricted }

    /// The scopes `principal` lacks for a request on the `item` named `name`; empty when it
    /// has them all, or when it is not a token's (whose requests roles alone decide), or when
    /// its roles hide the item (then it is refused as not there, as any hidden item is).
    public func missingScopes(_ principal: Principal, _ item: AccessPolicy.Item, _ name: String) -> (needed: [String], missing: [String]) {
        guard let granted = principal.scopes, policy.grant(for: principal.roles).permits(item, name) else { return ([], []) }
        let needed = scopes.needed(for: item, name)
        return (needed, ScopePolicy.missing(needed, from: granted))
    }
}
