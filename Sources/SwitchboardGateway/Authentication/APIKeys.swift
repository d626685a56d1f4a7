import Crypto
import MCPAuth
public import SwitchboardConfiguration

/// Who a request to the gateway comes from, once authenticated: a name for the audit log and
/// the roles RBAC decides by.
public struct Principal: Sendable, Hashable {
    /// How the principal proved who it is.
    public enum Method: String, Sendable, Hashable {
        case apiKey = "api-key"
        case jwt
        /// No credentials, let in as `"gateway.anonymous"` (or by a gateway without one) says.
        case anonymous
        /// The process that started the gateway, over stdio: the user who runs it, who may use
        /// everything the file's servers offer.
        case local
    }

    public var name: String
    public var roles: [String]
    public var method: Method
    /// The scopes a bearer token granted; nil for API keys and anonymous callers, whose
    /// requests roles alone decide.
    public var scopes: Set<String>?

    public init(name: String, roles: [String], method: Method, scopes: Set<String>? = nil) {
        self.name = name
        self.roles = roles
        self.method = method
        self.scopes = scopes
    }
}

/// A gateway API key: `sbk_` and 43 characters of base64url (32 random bytes). Only its
/// SHA-256 is ever kept; the key itself is shown once, when it is made.
public struct APIKey: Sendable, Hashable {
    public static let prefix = "sbk_"

    /// The key as the client sends it (`Authorization: Bearer sbk_...`).
    public let text: String

    public init(text: String) {
        self.text = text
    }

    /// A new key from the system's secure random source.
    public static func generate() -> APIKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return APIKey(text: prefix + Base64URL.encode(bytes))
    }

    /// What is stored in its place.
    public var digest: APIKeyDigest { APIKeyDigest(of: text) }
}

/// The SHA-256 of an API key, as configured (`{"sha256": hex}`) or computed.
public struct APIKeyDigest: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(of key: String) {
        bytes = Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// Reads 64 hex digits (either case); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// Lower-case hex, as `switchboard keys create` prints it for the configuration.
    public var description: String {
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self)
    }

    /// Equal without the time taken telling how many leading bytes matched.
    func matches(_ other: APIKeyDigest) -> Bool {
        precondition(bytes.count == 32 && other.bytes.count == 32, "SHA-256 digests are 32 bytes")
        var difference: UInt8 = 0
        for index in 0..<32 { difference |= bytes[index] ^ other.bytes[index] }
        return difference == 0
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The gateway's API keys (`"gateway": {"apiKeys": [...]}`): each a name, the digest of its
/// key and its roles. A presented key is hashed and compared with every entry, each in
/// constant time and all of them always, so that neither a near miss nor the position of the
/// match shows in the time taken.
public struct APIKeyDirectory: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var digest: APIKeyDigest
        public var roles: [String]

        public init(name: String, digest: APIKeyDigest, roles: [String]) {
            self.name = name
            self.digest = digest
            self.roles = roles
        }
    }

    /// Why a directory cannot be used as configured.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    public let entries: [Entry]

    /// Refuses two entries with one name (the audit log could not tell them apart) or one key
    /// (a key would be two principals).
    public init(_ entries: [Entry]) throws(Problem) {
        var names: Set<String> = []
        var digests: Set<APIKeyDigest> = []
        for entry in entries {
            guard names.insert(entry.name).inserted else {
                throw Problem(description: "two API keys are named \"\(entry.name)\"; each needs a name of its own")
            }
            guard digests.insert(entry.digest).inserted else {
                throw Problem(description: "the API key \"\(entry.name)\" is the same key as another entry; give each principal its own")
            }
        }
        self.entries = entries
    }

    /// The keys of the configuration's `"gateway": {"apiKeys": [...]}` (already checked to be
    /// well formed there); a key given itself is hashed at once and not kept.
    public init(configured settings: [GatewaySettings.APIKeySetting]) throws(Problem) {
        var entries: [Entry] = []
        for setting in settings {
            let digest: APIKeyDigest
            switch setting.key {
            case .secret(let key):
                digest = APIKeyDigest(of: key)
            case .sha256(let hex):
                guard let parsed = APIKeyDigest(hex: hex) else {
                    throw Problem(description: "the API key \"\(setting.name)\" has a sha256 that is not 64 hex digits")
                }
                digest = parsed
            }
            entries.append(Entry(name: setting.name, digest: digest, roles: setting.roles))
        }
        try self.init(entries)
    }

    /// The principal `presented` (the bearer credential) belongs to; nil when it is nobody's.
    public func authenticate(_ presented: String) -> Principal? {
        let digest = APIKeyDigest(of: presented)
        var found: Entry?
        for entry in entries where entry.digest.matches(digest) { found = entry }
        return found.map { Principal(name: $0.name, roles: $0.roles, method: .apiKey) }
    }
}
