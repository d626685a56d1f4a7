public import MCPServer
public import SwitchboardConfiguration

extension Principal: CallerIdentity {}

/// Who may use the gateway and what each may do: the API keys, the roles' policy, and who a
/// caller without credentials is. Made from the configuration's `"gateway"` section, again
/// whenever the file is reloaded.
public struct GatewayAccess: Sendable {
    public let keys: APIKeyDirectory
    public let policy: AccessPolicy
    /// The principal of a request without credentials; nil when such requests are refused.
    public let anonymous: Principal?

    /// - Parameter settings: the `"gateway"` section; nil (no section) lets every caller do
    ///   everything, which ``Gateway`` allows on a loopback address only.
    public init(settings: GatewaySettings?) throws(APIKeyDirectory.Problem) {
        guard let settings else {
            keys = try APIKeyDirectory([])
            policy = .unrestricted
            anonymous = Principal(name: "anonymous", roles: [], method: .anonymous)
            return
        }
        keys = try APIKeyDirectory(configured: settings.apiKeys)
        policy = AccessPolicy(roles: settings.roles)
        anonymous = settings.anonymousRoles.map { Principal(name: "anonymous", roles: $0, method: .anonymous) }
    }

    /// Whether a caller must present a credential.
    public var requiresCredentials: Bool { anonymous == nil }

    /// Whether anyone at all can reach what the gateway serves without a credential, with
    /// every permission: the open mode of a gateway started without a `"gateway"` section.
    public var isOpen: Bool { anonymous != nil && policy == .unrestricted }
}
