/// Scopes as OAuth writes them (space-separated, RFC 6749 §3.3), and the choices the MCP
/// specification makes about which to ask for.
public enum ScopeList {
    /// The scopes of a `scope` value, in order, without repeats or empty entries.
    public static func parse(_ text: String) -> [String] {
        union([], text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
    }

    /// The `scope` value for `scopes`.
    public static func format(_ scopes: [String]) -> String { scopes.joined(separator: " ") }

    /// `first`, then the scopes of `second` it lacks, in order.
    public static func union(_ first: [String], _ second: [String]) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for scope in first + second where !scope.isEmpty && seen.insert(scope).inserted {
            result.append(scope)
        }
        return result
    }

    /// The scopes to ask for first: the challenge's, else the protected resource's
    /// `scopes_supported`, else none (the `scope` parameter is then left out). `offline_access`
    /// is added only when the authorization server lists it, and only to a list that is not
    /// empty: alone, it would replace the server's default scopes with a refresh grant.
    public static func initial(challenged: [String]?, resourceSupported: [String]?, authorizationServerSupported: [String]?) -> [String]? {
        let chosen = challenged.flatMap { $0.isEmpty ? nil : $0 } ?? resourceSupported.flatMap { $0.isEmpty ? nil : $0 }
        guard var scopes = chosen else { return nil }
        if authorizationServerSupported?.contains("offline_access") == true {
            scopes = union(scopes, ["offline_access"])
        }
        return scopes
    }
}

/// What an HTTP status and its challenge ask the client to do.
public enum ChallengeResponse: Sendable, Hashable {
    /// 401: the token is missing, expired or revoked; refresh it once, else authorize.
    case authenticate(AuthenticationChallenge?)
    /// 403 `insufficient_scope`: authorize again with more scopes.
    case stepUp(scopes: [String], challenge: AuthenticationChallenge)
    /// Any other 403: not retried; the same token would get the same answer.
    case forbidden(AuthenticationChallenge?)

    /// nil for a status that is not about authorization.
    public init?(status: Int, challenge: AuthenticationChallenge?) {
        switch status {
        case 401:
            self = .authenticate(challenge)
        case 403:
            if let challenge, challenge.isBearer, challenge.error == "insufficient_scope" {
                self = .stepUp(scopes: challenge.scopes ?? [], challenge: challenge)
            } else {
                self = .forbidden(challenge)
            }
        default:
            return nil
        }
    }
}
