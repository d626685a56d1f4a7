/// One challenge of a `WWW-Authenticate` header (RFC 7235 §4.1): a scheme and either
/// parameters or a token68.
public struct AuthenticationChallenge: Sendable, Hashable {
    /// The scheme as written (`Bearer`); compare with ``isBearer``, case-insensitively.
    public var scheme: String
    /// The parameters, names lowercased (they are case-insensitive), values unquoted.
    public var parameters: [String: String]
    public var token68: String?

    public init(scheme: String, parameters: [String: String] = [:], token68: String? = nil) {
        self.scheme = scheme
        self.parameters = parameters
        self.token68 = token68
    }

    public var isBearer: Bool { scheme.lowercased() == "bearer" }

    /// The protected resource metadata URL (RFC 9728 §5.1).
    public var resourceMetadata: String? { parameters["resource_metadata"] }
    /// The scopes the resource asks for (RFC 6750 §3), in order, without repeats.
    public var scopes: [String]? { parameters["scope"].map(ScopeList.parse) }
    /// `invalid_token`, `insufficient_scope`, `invalid_request`, ...
    public var error: String? { parameters["error"] }
    public var errorDescription: String? { parameters["error_description"] }

    /// Every challenge in the values of one or more `WWW-Authenticate` headers.
    public static func parse(_ headers: [String]) throws(AuthError) -> [AuthenticationChallenge] {
        var challenges: [AuthenticationChallenge] = []
        for header in headers { challenges += try parse(header) }
        return challenges
    }

    /// The first `Bearer` challenge among `headers`, if any.
    public static func bearer(in headers: [String]) throws(AuthError) -> AuthenticationChallenge? {
        try parse(headers).first(where: \.isBearer)
    }

    /// Every challenge in one header value.
    public static func parse(_ header: String) throws(AuthError) -> [AuthenticationChallenge] {
        var reader = ChallengeReader(Array(header.utf8), header: header)
        return try reader.readAll()
    }
}

/// A reader of the `WWW-Authenticate` grammar. A bare token starts a new challenge; a token
/// followed by `=` and a value is a parameter of the current one; a token followed only by
/// `=` padding is a token68.
private struct ChallengeReader {
    let bytes: [UInt8]
    let header: String
    var index = 0

    init(_ bytes: [UInt8], header: String) {
        self.bytes = bytes
        self.header = header
    }

    mutating func readAll() throws(AuthError) -> [AuthenticationChallenge] {
        var challenges: [AuthenticationChallenge] = []
        skip(whitespaceAndCommas: true)
        while index < bytes.count {
            let scheme = try token(what: "an authentication scheme")
            var challenge = AuthenticationChallenge(scheme: scheme)
            skip(whitespaceAndCommas: false)
            if let token68 = readToken68() {
                challenge.token68 = token68
            } else {
                try readParameters(into: &challenge)
            }
            challenges.append(challenge)
            skip(whitespaceAndCommas: true)
        }
        return challenges
    }

    /// Parameters up to the next bare token (the next challenge's scheme) or the end.
    mutating func readParameters(into challenge: inout AuthenticationChallenge) throws(AuthError) {
        while true {
            skip(whitespaceAndCommas: true)
            let start = index
            guard index < bytes.count, isTokenByte(bytes[index]) else { return }
            let name = try token(what: "a parameter name")
            skip(whitespaceAndCommas: false)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                index = start  // a bare token: the next challenge starts here
                return
            }
            index += 1
            skip(whitespaceAndCommas: false)
            let value = try parameterValue()
            let key = name.lowercased()
            guard challenge.parameters[key] == nil else {
                throw malformed("the parameter '\(key)' appears twice in one challenge")
            }
            challenge.parameters[key] = value
        }
    }

    /// A token68 right after the scheme: token68 characters, then only `=` padding, then the
    /// end or a comma.
    mutating func readToken68() -> String? {
        var cursor = index
        while cursor < bytes.count, isToken68Byte(bytes[cursor]) { cursor += 1 }
        guard cursor > index else { return nil }
        var end = cursor
        while end < bytes.count, bytes[end] == UInt8(ascii: "=") { end += 1 }
        var after = end
        while after < bytes.count, bytes[after] == UInt8(ascii: " ") || bytes[after] == UInt8(ascii: "\t") { after += 1 }
        // `name=value` continues after the `=`; a token68 has nothing but its padding.
        guard after == bytes.count || bytes[after] == UInt8(ascii: ",") else { return nil }
        let text = String(decoding: bytes[index..<end], as: UTF8.self)
        index = after
        return text
    }

    mutating func parameterValue() throws(AuthError) -> String {
        guard index < bytes.count else { throw malformed("a parameter has no value") }
        guard bytes[index] == UInt8(ascii: "\"") else { return try token(what: "a parameter value") }
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw malformed("a quoted string ends in a backslash") }
                value.append(bytes[index])
                index += 1
            default:
                value.append(byte)
            }
        }
        throw malformed("a quoted string is not closed")
    }

    mutating func token(what: String) throws(AuthError) -> String {
        let start = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        guard index > start else {
            throw malformed("expected \(what) at offset \(start)")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func skip(whitespaceAndCommas commas: Bool) {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || (commas && byte == UInt8(ascii: ",")) else { return }
            index += 1
        }
    }

    func malformed(_ why: String) -> AuthError {
        AuthError(.malformedChallenge, "the WWW-Authenticate header '\(header)' is malformed: \(why)")
    }

    /// RFC 7230 `tchar`.
    func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    func isToken68Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("-._~+/".utf8).contains(byte)
        }
    }
}
