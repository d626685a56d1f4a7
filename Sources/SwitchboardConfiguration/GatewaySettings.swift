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

    public var apiKeys: [APIKeySetting]

    public init(apiKeys: [APIKeySetting] = []) {
        self.apiKeys = apiKeys
    }

    /// The keys `"gateway"` may have.
    static let keys: Set<String> = ["apiKeys"]
    static let apiKeyKeys: Set<String> = ["name", "key", "roles"]
}
