import Crypto
import MCPWire

/// A PKCE pair (RFC 7636) with the S256 method: the verifier stays with the client, the
/// challenge goes in the authorization request.
public struct PKCE: Sendable, Hashable {
    public let verifier: String
    public let challenge: String
    public var method: String { "S256" }

    /// A fresh pair: 32 random bytes, base64url-encoded into a 43-character verifier.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(randomBytesFrom: &generator)
    }

    init(randomBytesFrom generator: inout some RandomNumberGenerator) {
        let verifier = Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        // 32 bytes encode to 43 characters of the unreserved set, within RFC 7636's 43...128.
        precondition(verifier.utf8.count == 43)
        self.verifier = verifier
        self.challenge = Self.challenge(for: verifier)
    }

    /// A pair for a given verifier; throws when it is not 43 to 128 unreserved characters.
    public init(verifier: String) throws(AuthError) {
        let bytes = Array(verifier.utf8)
        guard (43...128).contains(bytes.count), bytes.allSatisfy(FormEncoding.isUnreserved) else {
            throw AuthError(.invalidValue, "a PKCE code verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'")
        }
        self.verifier = verifier
        self.challenge = Self.challenge(for: verifier)
    }

    /// BASE64URL(SHA256(ASCII(verifier))).
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// A `state` value: 32 random bytes, base64url-encoded.
    public static func makeState() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

/// How a token is shown when it has to be told apart from another (`--trace`): never the
/// token, only the start of its SHA-256.
public enum TokenFingerprint {
    /// `sha256:` and the first 8 hex digits of the token's SHA-256.
    public static func of(_ token: String) -> String {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        let hex = Array("0123456789abcdef".utf8)
        var text = "sha256:"
        for byte in digest.prefix(4) {
            text.append(Character(UnicodeScalar(hex[Int(byte >> 4)])))
            text.append(Character(UnicodeScalar(hex[Int(byte & 0xF)])))
        }
        return text
    }
}

/// base64url without padding (RFC 4648 §5), as PKCE and JWTs write it.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        var text = Array(Base64.encode(bytes).utf8)
        while text.last == UInt8(ascii: "=") { text.removeLast() }
        for index in text.indices {
            if text[index] == UInt8(ascii: "+") { text[index] = UInt8(ascii: "-") }
            if text[index] == UInt8(ascii: "/") { text[index] = UInt8(ascii: "_") }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
