public import JSONCore
public import MCPTransport
import MCPWire

/// A whole Switchboard configuration: the servers, in file order, and what applies to all.
///
/// Read from the common `{"mcpServers": {...}}` shape (Claude Desktop, Cursor, `.mcp.json`)
/// or VS Code's `{"servers": {...}, "inputs": [...]}`, unchanged; Switchboard's own settings
/// sit apart under `"switchboard"` keys that other tools ignore.
public struct SwitchboardConfiguration: Sendable, Hashable {
    /// The file it came from (for messages and relative paths); `(built-in)` when none.
    public var file: String
    public var servers: [ServerDefinition]
    /// Joins a server's name and a tool's: `github__create_issue`.
    public var separator: String
    /// Settings every server takes unless it sets its own.
    public var defaults: ServerSettings
    /// Where sign-ins are kept (`"tokenStore"`); nil: the file, unless the environment says.
    public var tokenStore: TokenStoreKind?
    /// Who may call through `switchboard serve` (`"gateway"`); nil when the file does not say.
    public var gateway: GatewaySettings?
    /// What the file said that is worth a look but does not stop it being used.
    public var warnings: [ConfigDiagnostic]

    public init(
        file: String,
        servers: [ServerDefinition],
        separator: String = "__",
        defaults: ServerSettings = ServerSettings(),
        tokenStore: TokenStoreKind? = nil,
        warnings: [ConfigDiagnostic] = []
    ) {
        self.file = file
        self.servers = servers
        self.separator = separator
        self.defaults = defaults
        self.tokenStore = tokenStore
        self.warnings = warnings
    }

    /// The server called `name`, if there is one.
    public func server(named name: String) -> ServerDefinition? { servers.first { $0.name == name } }

    /// The servers that are not disabled.
    public var enabledServers: [ServerDefinition] { servers.filter { !$0.disabled } }

    /// A server's settings with the file's defaults filled in.
    public func effectiveSettings(of server: ServerDefinition) -> ServerSettings {
        server.settings.over(defaults)
    }
}

/// Where the tokens of sign-ins are kept.
public enum TokenStoreKind: String, Sendable, Hashable, CaseIterable {
    /// `tokens.json` in the configuration folder, readable only by its owner.
    case file
    /// The desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC), through libsecret.
    case secretService = "secret-service"

    /// The variable that chooses the store for every command, over the configuration.
    public static let environmentVariable = "SWITCHBOARD_TOKEN_STORE"
}

/// One logical server: a name, and one endpoint or several replicas of it.
public struct ServerDefinition: Sendable, Hashable {
    public var name: String
    /// Where the server runs: one entry, or one per replica (all interchangeable).
    public var endpoints: [Endpoint]
    /// Switchboard's settings for this server alone; see ``SwitchboardConfiguration/effectiveSettings(of:)``.
    public var settings: ServerSettings
    /// `"disabled": true` in the file: kept, shown, never connected.
    public var disabled: Bool

    public init(name: String, endpoints: [Endpoint], settings: ServerSettings = ServerSettings(), disabled: Bool = false) {
        self.name = name
        self.endpoints = endpoints
        self.settings = settings
        self.disabled = disabled
    }

    /// The first endpoint: the only one unless the server has replicas.
    public var primary: Endpoint { endpoints[0] }

    /// Whether any endpoint is reached over HTTP (the lean binary hands those to `switchboard-http`).
    public var usesHTTP: Bool {
        endpoints.contains(where: \.isHTTP)
    }
}

/// Switchboard's settings for a server. Every member is optional so that a server's own
/// value, the file's defaults and the built-in default can be layered (``over(_:)``).
public struct ServerSettings: Sendable, Hashable {
    /// How calls are spread over replicas.
    public enum Balancing: String, Sendable, Hashable, CaseIterable {
        /// Power of two choices: of two random replicas, the one with fewer calls outstanding,
        /// weighted by its recent (EWMA) latency. The default.
        case powerOfTwoChoices = "p2c"
        case roundRobin = "round-robin"
        case leastOutstanding = "least-outstanding"
    }

    /// The interceptor chain, outermost first (see the interceptor registry).
    public var interceptors: [JSONValue]?
    /// Where the chain is written, so that an interceptor's error (found when it is made) names a line.
    public var interceptorsLocation: JSONSourceMap.Location?
    /// Believe the server's tool annotations (read-only, idempotent) for caching and retries.
    public var trustAnnotations: Bool?
    /// Seconds to wait for each answer.
    public var timeoutSeconds: Double?
    /// Tools offered only when their name matches one of these globs (`*`, `?`).
    public var allowTools: [String]?
    /// Tools hidden when their name matches one of these globs; wins over `allowTools`.
    public var denyTools: [String]?
    /// Tools safe to repeat (retried and failed over even after the request may have reached
    /// the server) whatever their annotations say: names or globs.
    public var safeTools: [String]?
    /// Speak exactly this protocol version instead of negotiating.
    public var protocolVersion: String?
    /// How calls are spread over replicas.
    public var balancing: Balancing?
    /// Active and passive health checking of each replica.
    public var health: HealthSettings?
    /// How a stdio server that exits is started again.
    public var restart: RestartSettings?
    /// How an HTTP server is signed in to.
    public var oauth: OAuthSettings?

    public init(
        interceptors: [JSONValue]? = nil,
        trustAnnotations: Bool? = nil,
        timeoutSeconds: Double? = nil,
        allowTools: [String]? = nil,
        denyTools: [String]? = nil,
        safeTools: [String]? = nil,
        protocolVersion: String? = nil,
        balancing: Balancing? = nil,
        health: HealthSettings? = nil,
        restart: RestartSettings? = nil,
        oauth: OAuthSettings? = nil
    ) {
        self.interceptors = interceptors
        self.trustAnnotations = trustAnnotations
        self.timeoutSeconds = timeoutSeconds
        self.allowTools = allowTools
        self.denyTools = denyTools
        self.safeTools = safeTools
        self.protocolVersion = protocolVersion
        self.balancing = balancing
        self.health = health
        self.restart = restart
        self.oauth = oauth
    }

    /// These settings, with `defaults` where these say nothing.
    public func over(_ defaults: ServerSettings) -> ServerSettings {
        var settings = ServerSettings(
            interceptors: interceptors ?? defaults.interceptors,
            trustAnnotations: trustAnnotations ?? defaults.trustAnnotations,
            timeoutSeconds: timeoutSeconds ?? defaults.timeoutSeconds,
            allowTools: allowTools ?? defaults.allowTools,
            denyTools: denyTools ?? defaults.denyTools,
            safeTools: safeTools ?? defaults.safeTools,
            protocolVersion: protocolVersion ?? defaults.protocolVersion,
            balancing: balancing ?? defaults.balancing,
            health: health ?? defaults.health,
            restart: restart ?? defaults.restart,
            oauth: oauth.map { $0.over(defaults.oauth) } ?? defaults.oauth
        )
        settings.interceptorsLocation = interceptors == nil ? defaults.interceptorsLocation : interceptorsLocation
        return settings
    }

    /// Whether a tool called `name` (unqualified) is offered under the allow and deny globs.
    public func offersTool(_ name: String) -> Bool {
        if let denyTools, denyTools.contains(where: { Glob.matches($0, name) }) { return false }
        guard let allowTools else { return true }
        return allowTools.contains { Glob.matches($0, name) }
    }
}

/// Health checking of replicas.
public struct HealthSettings: Sendable, Hashable {
    /// Seconds between active checks (`server/discover` for modern servers, `ping` for legacy).
    public var intervalSeconds: Double
    /// Seconds an active check may take before it counts as failed.
    public var timeoutSeconds: Double
    /// Consecutive failures (calls or checks) that eject a replica from rotation.
    public var ejectAfterFailures: Int
    /// Seconds an ejected replica sits out before it is tried again.
    public var cooldownSeconds: Double

    public init(intervalSeconds: Double = 10, timeoutSeconds: Double = 5, ejectAfterFailures: Int = 3, cooldownSeconds: Double = 30) {
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.ejectAfterFailures = ejectAfterFailures
        self.cooldownSeconds = cooldownSeconds
    }
}

/// Restarting a stdio server that exits.
public struct RestartSettings: Sendable, Hashable {
    /// Whether it is restarted at all.
    public var enabled: Bool
    /// More restarts than this within ``windowSeconds`` is a crash loop: the server is `failed`.
    public var maxRestarts: Int
    public var windowSeconds: Double
    /// The first wait before a restart; it doubles each time, up to ``maxBackoffSeconds``.
    public var initialBackoffSeconds: Double
    public var maxBackoffSeconds: Double

    public init(
        enabled: Bool = true,
        maxRestarts: Int = 5,
        windowSeconds: Double = 60,
        initialBackoffSeconds: Double = 0.1,
        maxBackoffSeconds: Double = 10
    ) {
        self.enabled = enabled
        self.maxRestarts = maxRestarts
        self.windowSeconds = windowSeconds
        self.initialBackoffSeconds = initialBackoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
    }
}
