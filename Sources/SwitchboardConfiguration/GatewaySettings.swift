/// The top-level `"gateway"` object: how `switchboard serve` tells who is calling.
public struct GatewaySettings: Sendable, Hashable {
    /// One `"apiKeys"` entry.
    public struct APIKeySetting: Sendable, Hashable {
        /// Where the key is known from: the key itself (read from `{"env"}` or `{"file"}`,
        /// never written in the file), or only its SHA-256 (`{"sha256": hex}`), as
        /// `switchboard keys create` prints it.
        public enum Key: Sendable, Hashable {
            case secret(String)
            /// 64 lower-case hex digits.
            case sha256(String)
        }

        public var name: String
        public var key: Key
        public var roles: [String]

        public init(name: String, key: Key, roles: [String]) {
            self.name = name
            self.key = key
            self.roles = roles
        }
    }

    /// What one role lets its holders see and use: globs over qualified tool names, resource
    /// URIs and qualified prompt names, plus `"deny"` globs that win over every role's allows.
    public struct RoleSetting: Sendable, Hashable {
        /// Globs for each kind of item.
        public struct Patterns: Sendable, Hashable {
            public var tools: [String]
            public var resources: [String]
            public var prompts: [String]

            public init(tools: [String] = [], resources: [String] = [], prompts: [String] = []) {
                self.tools = tools
                self.resources = resources
                self.prompts = prompts
            }
        }

        public var allow: Patterns
        public var deny: Patterns

        public init(allow: Patterns = Patterns(), deny: Patterns = Patterns()) {
            self.allow = allow
            self.deny = deny
        }
    }

    /// `"jwt"`: bearer tokens from an authorization server, and the gateway as an OAuth
    /// protected resource (RFC 9728 metadata, scopes).
    public struct JWTSetting: Sendable, Hashable {
        /// Where the authorization server's public keys (a JWK set) are read from.
        public enum KeySource: Sendable, Hashable {
            /// Fetched over HTTPS (HTTP on a loopback host), again when a token names a key
            /// the set does not have.
            case url(String)
            /// A file (absolute path), read again when a token names a key it does not have.
            case file(String)
        }

        /// The scopes a token must carry: `"required"` for any request at all, and per item
        /// by glob over qualified names (tools, prompts) or URIs (resources).
        public struct Scopes: Sendable, Hashable {
            public var required: [String]
            public var tools: [String: [String]]
            public var resources: [String: [String]]
            public var prompts: [String: [String]]

            public init(
                required: [String] = [],
                tools: [String: [String]] = [:],
                resources: [String: [String]] = [:],
                prompts: [String: [String]] = [:]
            ) {
                self.required = required
                self.tools = tools
                self.resources = resources
                self.prompts = prompts
            }
        }

        /// The `iss` every token must have: the authorization server's issuer identifier.
        public var issuer: String
        /// The `aud` every token must include (RFC 8707): the gateway's resource identifier.
        public var audience: String
        public var keys: KeySource
        /// The claim that lists a token's roles (an array, or a space-separated string).
        public var rolesClaim: String
        /// How far `exp` and `nbf` may be off the gateway's clock.
        public var leewaySeconds: Int
        /// The MCP endpoint's public URL, as the protected resource metadata names it; nil
        /// uses the audience when it is an http(s) URL, else the request's own host.
        public var resource: String?
        public var scopes: Scopes

        public init(
            issuer: String,
            audience: String,
            keys: KeySource,
            rolesClaim: String = "roles",
            leewaySeconds: Int = 60,
            resource: String? = nil,
            scopes: Scopes = Scopes()
        ) {
            self.issuer = issuer
            self.audience = audience
            self.keys = keys
            self.rolesClaim = rolesClaim
            self.leewaySeconds = leewaySeconds
            self.resource = resource
            self.scopes = scopes
        }
    }

    /// `"failedAuthentication"`: how many requests with a bad credential one client address
    /// may send in a window before the gateway answers 429 without looking at credentials.
    public struct FailureLimit: Sendable, Hashable {
        public var limit: Int
        public var windowSeconds: Int

        public init(limit: Int = 10, windowSeconds: Int = 60) {
            self.limit = limit
            self.windowSeconds = windowSeconds
        }
    }

    /// `"alerts"`: the built-in rules and where their alerts are delivered.
    public struct AlertSettings: Sendable, Hashable {
        /// `"upstreamDown"`: a server that cannot take calls for `forSeconds`.
        public struct UpstreamDown: Sendable, Hashable {
            public var forSeconds: Double

            public init(forSeconds: Double = 30) {
                self.forSeconds = forSeconds
            }
        }

        /// `"authenticationFailureBurst"`: `count` bad credentials within `windowSeconds`.
        public struct Burst: Sendable, Hashable {
            public var count: Int
            public var windowSeconds: Double

            public init(count: Int = 20, windowSeconds: Double = 60) {
                self.count = count
                self.windowSeconds = windowSeconds
            }
        }

        /// One `"webhooks"` entry.
        public struct Webhook: Sendable, Hashable {
            public enum Format: String, Sendable, Hashable, CaseIterable {
                /// Switchboard's JSON, HMAC-signed when a secret is set.
                case json
                /// Alertmanager's API v2 (`POST /api/v2/alerts`).
                case alertmanager
                /// Slack-compatible `{"text": ...}`.
                case slack
            }

            public var url: String
            public var format: Format
            /// The HMAC-SHA256 key of `X-Switchboard-Signature` (json); nil signs nothing.
            public var secret: String?

            public init(url: String, format: Format = .json, secret: String? = nil) {
                self.url = url
                self.format = format
                self.secret = secret
            }
        }

        /// Each rule; nil (or `false` in the file) turns it off.
        public var upstreamDown: UpstreamDown?
        public var auditFailing: Bool
        public var authenticationFailures: Burst?
        public var webhooks: [Webhook]

        public init(
            upstreamDown: UpstreamDown? = UpstreamDown(),
            auditFailing: Bool = true,
            authenticationFailures: Burst? = Burst(),
            webhooks: [Webhook] = []
        ) {
            self.upstreamDown = upstreamDown
            self.auditFailing = auditFailing
            self.authenticationFailures = authenticationFailures
            self.webhooks = webhooks
        }
    }

    public var apiKeys: [APIKeySetting]
    /// `"roles"`, by name.
    public var roles: [String: RoleSetting]
    /// The roles of a caller who presents no credentials (`"anonymous": {"roles": [...]}`);
    /// nil when anonymous callers are refused, which is the default.
    public var anonymousRoles: [String]?
    /// Bearer tokens signed by an authorization server; nil accepts API keys only.
    public var jwt: JWTSetting?
    /// `"virtualServers"`: named subsets of the catalog (globs, as a role's), each served at
    /// `/mcp/<name>` with the caller's roles applied on top.
    public var virtualServers: [String: RoleSetting] = [:]
    public var alerts = AlertSettings()
    public var failedAuthentication: FailureLimit

    public init(
        apiKeys: [APIKeySetting] = [],
        roles: [String: RoleSetting] = [:],
        anonymousRoles: [String]? = nil,
        jwt: JWTSetting? = nil,
        failedAuthentication: FailureLimit = FailureLimit()
    ) {
        self.apiKeys = apiKeys
        self.roles = roles
        self.anonymousRoles = anonymousRoles
        self.jwt = jwt
        self.failedAuthentication = failedAuthentication
    }

    /// The keys `"gateway"` may have.
    static let keys: Set<String> = ["apiKeys", "roles", "anonymous", "jwt", "failedAuthentication", "virtualServers", "alerts"]
    static let alertKeys: Set<String> = ["rules", "webhooks"]
    static let alertRuleKeys: Set<String> = ["upstreamDown", "auditFailing", "authenticationFailureBurst"]
    static let webhookKeys: Set<String> = ["url", "format", "secret"]
    static let jwtKeys: Set<String> = ["issuer", "audience", "jwks", "rolesClaim", "leewaySeconds", "resource", "scopes"]
    static let scopeKeys: Set<String> = ["required", "tools", "resources", "prompts"]
    static let failureLimitKeys: Set<String> = ["limit", "windowSeconds"]
    static let apiKeyKeys: Set<String> = ["name", "key", "roles"]
    static let roleKeys: Set<String> = ["tools", "resources", "prompts", "deny"]
    static let patternKeys: Set<String> = ["tools", "resources", "prompts"]
    static let anonymousKeys: Set<String> = ["roles"]
}
