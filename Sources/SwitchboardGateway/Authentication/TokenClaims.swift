public import JSONCore
public import SwitchboardConfiguration

/// Why a bearer token is not accepted. Each case says what to fix; ``oauthError`` is the
/// RFC 6750 code the 401 carries.
public enum TokenRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not three base64url parts of JSON.
    case malformed(String)
    /// Signed with an algorithm other than RS256 and ES256 (`none` and HMAC included).
    case unsupportedAlgorithm(String?)
    /// Names a key (`kid`) the authorization server's key set does not have, even fetched again.
    case unknownKey(String?)
    /// The signature does not verify with the key it names.
    case badSignature
    case wrongIssuer(found: String?, expected: String)
    case wrongAudience(found: [String], expected: String)
    /// `exp` passed (beyond the leeway) this many seconds ago.
    case expired(secondsAgo: Int)
    /// `nbf` is this many seconds ahead (beyond the leeway).
    case notYetValid(secondsAhead: Int)
    /// A claim every token must have is absent or of the wrong type.
    case missingClaim(String)
    /// The key set could not be read, so no token can be checked.
    case keysUnavailable(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "the bearer token is not a JWT: \(reason)"
        case .unsupportedAlgorithm(let algorithm):
            "the token is signed with \(algorithm.map { "\"\($0)\"" } ?? "no algorithm"); this gateway accepts RS256 and ES256"
        case .unknownKey(let kid):
            "the token names the key \(kid.map { "\"\($0)\"" } ?? "(no kid)"), which the authorization server's key set does not have"
        case .badSignature: "the token's signature does not verify"
        case .wrongIssuer(let found, let expected):
            "the token was issued by \(found.map { "\"\($0)\"" } ?? "nobody (no iss)"), not \"\(expected)\""
        case .wrongAudience(let found, let expected):
            "the token is for \(found.isEmpty ? "no audience" : found.map { "\"\($0)\"" }.joined(separator: ", ")), not this gateway (\"\(expected)\"); ask for a token with resource=\(expected)"
        case .expired(let seconds): "the token expired \(seconds) s ago"
        case .notYetValid(let seconds): "the token is not valid for another \(seconds) s (nbf)"
        case .missingClaim(let claim): "the token has no valid \"\(claim)\" claim"
        case .keysUnavailable(let reason): "the authorization server's keys cannot be read: \(reason)"
        }
    }

    /// The RFC 6750 error code.
    public var oauthError: String {
        switch self {
        case .keysUnavailable: "temporarily_unavailable"
        default: "invalid_token"
        }
    }
}

/// The checks of a token's claims, once its signature holds: who issued it, for whom, when it
/// is valid, and the principal it makes. Pure, so every rule is tested without keys.
public struct TokenClaims: Sendable {
    public let setting: GatewaySettings.JWTSetting

    public init(setting: GatewaySettings.JWTSetting) {
        self.setting = setting
    }

    /// The principal `claims` make at `now` (seconds since 1970), or why they make none.
    public func principal(from claims: JSONObject, now: Double) throws(TokenRejection) -> Principal {
        let issuer = claims["iss"]?.stringValue
        guard issuer == setting.issuer else { throw .wrongIssuer(found: issuer, expected: setting.issuer) }
        let audiences = Self.strings(claims["aud"]) ?? []
        guard audiences.contains(setting.audience) else { throw .wrongAudience(found: audiences, expected: setting.audience) }
        let leeway = Double(setting.leewaySeconds)
        guard let expiry = claims["exp"]?.doubleValue else { throw .missingClaim("exp") }
        guard now <= expiry + leeway else { throw .expired(secondsAgo: Int((now - expiry).rounded(.up))) }
        if let value = claims["nbf"] {
            guard let notBefore = value.doubleValue else { throw .missingClaim("nbf") }
            guard now + leeway >= notBefore else { throw .notYetValid(secondsAhead: Int((notBefore - now).rounded(.up))) }
        }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw .missingClaim("sub") }
        let roles = Self.list(claims[setting.rolesClaim]) ?? []
        // RFC 9068 / 8693: "scope" is space-separated; some servers send "scp" as an array.
        let scopes = Self.list(claims["scope"]) ?? Self.list(claims["scp"]) ?? []
        return Principal(name: subject, roles: roles, method: .jwt, scopes: Set(scopes))
    }

    /// A string or an array of strings (`aud`).
    static func strings(_ value: JSONValue?) -> [String]? {
        switch value {
        case .string(let text)?: return [text]
        case .array(let items)?: return items.compactMap(\.stringValue)
        default: return nil
        }
    }

    /// An array of strings, or one string of space-separated words (`scope`, roles).
    static func list(_ value: JSONValue?) -> [String]? {
        switch value {
        case .string(let text)?: return text.split(separator: " ").map(String.init)
        case .array(let items)?: return items.compactMap(\.stringValue).filter { !$0.isEmpty }
        default: return nil
        }
    }
}
