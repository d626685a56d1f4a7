/// Why a transport could not carry a message.
///
/// Compare ``code`` to decide what to do; new codes may be added without breaking callers.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// A kind of transport failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The server process could not be started (command not found, not executable, bad cwd).
        public static let spawnFailed = Code("spawnFailed")
        /// The server process exited.
        public static let processExited = Code("processExited")
        /// A connection could not be made or was refused: nothing was sent.
        public static let connectionFailed = Code("connectionFailed")
        /// The connection failed after the request may have gone out (reset, closed, timed out
        /// while waiting): the server may have received and run it. An error the transport
        /// cannot classify is reported this way.
        public static let connectionBroken = Code("connectionBroken")
        /// The server answered with an HTTP status that carries no MCP message.
        public static let httpStatus = Code("httpStatus")
        /// The legacy HTTP session is gone (404 with a session id); initialize again.
        public static let sessionExpired = Code("sessionExpired")
        /// A response stream ended before the response to its request arrived.
        public static let streamEnded = Code("streamEnded")
        /// The transport is closed; nothing more can be sent.
        public static let closed = Code("closed")
        /// A message was larger than the configured limit.
        public static let messageTooLarge = Code("messageTooLarge")
        /// A frame could not be read as a JSON-RPC message.
        public static let malformedMessage = Code("malformedMessage")
        /// Writing to the connection failed.
        public static let writeFailed = Code("writeFailed")
        /// A server kept exiting right after being started, and restarting was given up.
        public static let crashLoop = Code("crashLoop")
        /// The URL or endpoint is not usable.
        public static let invalidEndpoint = Code("invalidEndpoint")
        /// The server wants credentials this client does not have or cannot renew (HTTP 401,
        /// or 403 `insufficient_scope`): someone has to sign in. The request was refused, so
        /// it never ran.
        public static let authorizationRequired = Code("authorizationRequired")
    }

    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    /// The HTTP status, for ``Code/httpStatus`` and ``Code/sessionExpired``.
    public var httpStatus: Int?
    /// The start of the HTTP response body, when it helps explain a status.
    public var responseBody: String?
    /// Seconds the server asked the client to wait (HTTP `Retry-After`).
    public var retryAfter: Double?
    /// Process exit status, for ``Code/processExited``.
    public var exitStatus: String?
    /// The last lines the server wrote to stderr, for process failures.
    public var stderrTail: [String]
    /// What the transport layer below reported, if anything.
    public var underlying: (any Error & Sendable)?
    /// Set when the transport refused the message before sending any of it (closed, or the
    /// process gone): the peer certainly never saw it, so even a destructive call may be sent again.
    public var messageNotSent: Bool

    public init(
        _ code: Code,
        _ message: String,
        httpStatus: Int? = nil,
        responseBody: String? = nil,
        retryAfter: Double? = nil,
        exitStatus: String? = nil,
        stderrTail: [String] = [],
        underlying: (any Error & Sendable)? = nil,
        messageNotSent: Bool = false
    ) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.responseBody = responseBody
        self.retryAfter = retryAfter
        self.exitStatus = exitStatus
        self.stderrTail = stderrTail
        self.underlying = underlying
        self.messageNotSent = messageNotSent
    }

    public var description: String {
        var text = message
        if !stderrTail.isEmpty {
            text += "\n  last stderr lines:\n" + stderrTail.map { "    " + $0 }.joined(separator: "\n")
        }
        return text
    }
}
