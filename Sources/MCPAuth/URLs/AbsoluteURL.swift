/// An absolute `http` or `https` URL, split into its RFC 3986 components: what discovery
/// builds well-known URLs from and compares resources by.
///
/// The text is kept as written: a `resource` or `issuer` is sent and compared exactly as
/// the metadata writes it (RFC 9207 forbids normalizing before comparing). Comparisons that
/// the specifications allow to be lenient (scheme and host case, default ports) say so.
public struct AbsoluteURL: Sendable, Hashable, CustomStringConvertible {
    /// The URL as written.
    public let text: String
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// The host as written (an IPv6 address keeps its brackets).
    public let host: String
    /// The port, when written.
    public let port: Int?
    /// The path: empty, or starting with `/`.
    public let path: String
    public let query: String?
    public let fragment: String?

    public init(_ text: String) throws(AuthError) {
        func invalid(_ why: String) -> AuthError { AuthError(.invalidURL, "'\(text)' is not an absolute http(s) URL: \(why)") }
        guard let colon = text.firstIndex(of: ":") else { throw invalid("no scheme") }
        let scheme = text[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { throw invalid("the scheme must be http or https") }
        let afterScheme = text[text.index(after: colon)...]
        guard afterScheme.hasPrefix("//") else { throw invalid("no '//' after the scheme") }
        let rest = afterScheme.dropFirst(2)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { throw invalid("user information is not allowed") }
        var host = Substring(authority)
        var port: Int?
        let portColon: Substring.Index?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("an unclosed IPv6 address") }
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw invalid("text after the IPv6 address") }
            portColon = after.isEmpty ? nil : after.startIndex
        } else {
            portColon = authority.lastIndex(of: ":")
        }
        if let portColon {
            let digits = authority[authority.index(after: portColon)...]
            host = authority[..<portColon]
            if !digits.isEmpty {
                guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int(digits), (1...65535).contains(number) else {
                    throw invalid("the port '\(digits)' is not a number from 1 to 65535")
                }
                port = number
            }
        }
        guard !host.isEmpty else { throw invalid("no host") }
        guard !host.contains(where: { $0.isWhitespace || $0 == "\\" }) else { throw invalid("the host has characters a host cannot have") }
        var remainder = rest[authorityEnd...]
        var fragment: String?
        if let hash = remainder.firstIndex(of: "#") {
            fragment = String(remainder[remainder.index(after: hash)...])
            remainder = remainder[..<hash]
        }
        var query: String?
        if let question = remainder.firstIndex(of: "?") {
            query = String(remainder[remainder.index(after: question)...])
            remainder = remainder[..<question]
        }
        guard !remainder.contains(where: { $0 == " " }) else { throw invalid("the path has a space") }
        self.text = text
        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.path = String(remainder)
        self.query = query
        self.fragment = fragment
    }

    public var description: String { text }

    /// The port in effect: the written one, or the scheme's default.
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// `scheme://host[:port]`, as written (scheme lowercased).
    public var origin: String { scheme + "://" + host + (port.map { ":\($0)" } ?? "") }

    /// Whether the host is this machine (`localhost`, `127.0.0.0/8`, `[::1]`): the one place
    /// where plain `http` is allowed for authorization traffic.
    public var isLoopback: Bool {
        let host = host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Whether the URL may carry authorization traffic: `https`, or `http` to this machine.
    public var isSecure: Bool { scheme == "https" || isLoopback }

    /// The path without a trailing slash (the root is the empty path).
    public var trimmedPath: String {
        var path = Substring(path)
        while path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }

    /// Whether `other` is at the same origin, comparing scheme and host without regard to case
    /// and ports with the scheme's default filled in.
    public func isSameOrigin(as other: AbsoluteURL) -> Bool {
        scheme == other.scheme && host.lowercased() == other.host.lowercased() && effectivePort == other.effectivePort
    }

    /// The URL with `wellKnown` (say `/.well-known/oauth-protected-resource`) inserted between
    /// the host and the path, the path's trailing slash removed, the query kept (RFC 9728 §3.1,
    /// RFC 8414 §3.1).
    public func insertingWellKnown(_ wellKnown: String) -> String {
        origin + wellKnown + trimmedPath + (query.map { "?" + $0 } ?? "")
    }

    /// `path` resolved against this URL's origin.
    public func atOrigin(_ path: String) -> String { origin + path }
}
