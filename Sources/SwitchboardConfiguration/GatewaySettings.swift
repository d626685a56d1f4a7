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

    public var apiKeys: [APIKeySetting]
    /// `"roles"`, by name.
    public var roles: [String: RoleSetting]
    /// The roles of a caller who presents no credentials (`"anonymous": {"roles": [...]}`);
    /// nil when anonymous callers are refused, which is the default.
    public var anonymousRoles: [String]?

    public init(apiKeys: [APIKeySetting] = [], roles: [String: RoleSetting] = [:], anonymousRoles: [String]? = nil) {
        self.apiKeys = apiKeys
        self.roles = roles
        self.anonymousRoles = anonymousRoles
    }

    /// The keys `"gateway"` may have.
    static let keys: Set<String> = ["apiKeys", "roles", "anonymous"]
    static let apiKeyKeys: Set<String> = ["name", "key", "roles"]
    static let roleKeys: Set<String> = ["tools", "resources", "prompts", "deny"]
    static let patternKeys: Set<String> = ["tools", "resources", "prompts"]
    static let anonymousKeys: Set<String> = ["roles"]
}
