/// Settings shared by the HTTP transports.
public struct HTTPOptions: Sendable {
    /// Headers sent with every request (`X-Api-Key: ...`, ...).
    public var headers: [(name: String, value: String)]
    /// Sent as `Authorization: Bearer <token>`.
    public var bearerToken: String?
    /// Supplies the `Authorization` header of each request and renews it when the server
    /// refuses one (a signed-in OAuth client); ``bearerToken`` or an `Authorization` header in
    /// ``headers`` wins over it.
    public var authorization: (any HTTPAuthorization)?
    /// The largest JSON body or SSE event accepted.
    public var maximumMessageBytes: Int
    /// How long a TCP connection may take to establish.
    public var connectTimeout: Duration
    /// Whether a legacy session opens the GET stream for server-initiated messages.
    public var openEventStream: Bool
    /// The wait before reconnecting a dropped event stream when the server named none (`retry`).
    public var reconnectDelay: Duration

    public init(
        headers: [(name: String, value: String)] = [],
        bearerToken: String? = nil,
        authorization: (any HTTPAuthorization)? = nil,
        maximumMessageBytes: Int = 64 << 20,
        connectTimeout: Duration = .seconds(10),
        openEventStream: Bool = true,
        reconnectDelay: Duration = .seconds(1)
    ) {
        self.headers = headers
        self.bearerToken = bearerToken
        self.authorization = authorization
        self.maximumMessageBytes = maximumMessageBytes
        self.connectTimeout = connectTimeout
        self.openEventStream = openEventStream
        self.reconnectDelay = reconnectDelay
    }
}

/// The `Authorization` header of HTTP requests, for credentials that change: an OAuth access
/// token that is refreshed before it expires, and renewed when the server refuses it.
///
/// The transport asks ``header()`` before each request. When the server answers 401, or 403
/// with a `WWW-Authenticate` challenge, it calls ``recover(_:)`` and, if that returns true,
/// sends the request again with a fresh header. A refused request never reached the server's
/// handler, so sending it again is safe even for a destructive call.
public protocol HTTPAuthorization: Sendable {
    /// The header's value for the next request (`Bearer ...`), or nil to send none.
    func header() async throws(TransportError) -> String?

    /// The server refused a request. Returns true when a new ``header()`` may succeed
    /// (refreshed, or renewed with more scopes), false when the refusal stands; throws
    /// ``TransportError/Code/authorizationRequired`` when someone has to sign in.
    func recover(_ refusal: AuthorizationRefusal) async throws(TransportError) -> Bool
}

/// A request the server refused for its credentials, as ``HTTPAuthorization/recover(_:)`` sees it.
public struct AuthorizationRefusal: Sendable, Hashable {
    /// 401 or 403.
    public var status: Int
    /// The values of the answer's `WWW-Authenticate` headers.
    public var challenges: [String]
    /// The `Authorization` header the refused request carried.
    public var sent: String?
    /// How many times this request was already renewed and sent again: the bound on step-up
    /// authorizations for one operation counts these.
    public var renewals: Int

    public init(status: Int, challenges: [String], sent: String?, renewals: Int) {
        self.status = status
        self.challenges = challenges
        self.sent = sent
        self.renewals = renewals
    }
}

/// An `http(s)` URL split into the parts the transports need.
package struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    package var scheme: String
    package var authority: String
    package var path: String

    package init?(_ text: String) {
        guard let schemeEnd = text.firstIndex(of: ":"), text[schemeEnd...].hasPrefix("://") else { return nil }
        let scheme = text[..<schemeEnd].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[text.index(schemeEnd, offsetBy: 3)...]
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<pathStart])
        guard !authority.isEmpty else { return nil }
        self.scheme = scheme
        self.authority = authority
        self.path = pathStart == rest.endIndex ? "/" : String(rest[pathStart...])
    }

    package var description: String { "\(scheme)://\(authority)\(path)" }
    package var origin: String { "\(scheme)://\(authority)" }

    /// Resolves a reference (absolute URL, absolute path, or relative path) against this URL.
    package func resolving(_ reference: String) -> String {
        if HTTPURL(reference) != nil { return reference }
        if reference.hasPrefix("/") { return origin + reference }
        let pathOnly = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let directory = pathOnly.hasSuffix("/") ? pathOnly : String(pathOnly[..<(pathOnly.lastIndex(of: "/") ?? pathOnly.startIndex)]) + "/"
        return origin + directory + reference
    }
}

/// Which HTTP transport to use for a URL.
public enum HTTPTransportChoice: String, Sendable, Hashable {
    /// Streamable HTTP, falling back to HTTP+SSE as the specification describes.
    case automatic
    /// Streamable HTTP only.
    case streamable
    /// The legacy HTTP+SSE transport only.
    case sse
}
