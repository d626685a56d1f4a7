import JSONCore
public import JSONSchema
import Logging
public import MCPTransport
public import MCPWire
import Synchronization

/// Why a client operation failed.
///
/// Switch on ``code``; it is a growable set of values, so new codes never break callers.
/// ``message`` is written for the person at the keyboard; the other members keep the
/// details (the server's JSON-RPC error, the schema violations, the transport failure).
///
/// ```swift
/// do { try await session.callTool("add", arguments: ["a": 1]) }
/// catch let error as MCPError where error.code == .invalidArguments { print(error.violations) }
/// ```
public struct MCPError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The server could not be reached or started.
        public static let connectionFailed = Code("connectionFailed")
        /// The connection closed (the process exited, the stream was cut) before an answer.
        public static let transportClosed = Code("transportClosed")
        /// No answer came before the deadline.
        public static let timeout = Code("timeout")
        /// The caller cancelled the operation.
        public static let cancelled = Code("cancelled")
        /// The peer broke the protocol: a malformed result, an unexpected HTTP status.
        public static let protocolError = Code("protocolError")
        /// The server answered with a JSON-RPC error (see ``MCPError/rpcError``).
        public static let serverError = Code("serverError")
        /// The tool ran and reported failure (`isError`); see ``MCPError/toolResult``.
        public static let toolError = Code("toolError")
        /// The arguments do not match the tool's input schema (see ``MCPError/violations``),
        /// or a name does not exist.
        public static let invalidArguments = Code("invalidArguments")
        /// No protocol version is spoken by both sides.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// A circuit breaker is open for this server or tool; see ``MCPError/retryAfter``.
        public static let circuitOpen = Code("circuitOpen")
        /// A rate limit allows no more calls now; see ``MCPError/retryAfter``.
        public static let rateLimited = Code("rateLimited")
        /// Too many calls are already in flight to this server (a concurrency limit).
        public static let overloaded = Code("overloaded")
        /// The tool's definition changed since it was approved (tool pinning); approve it again to call it.
        public static let toolChanged = Code("toolChanged")
        /// The pin file cannot be read or is corrupt: calls are refused until it is fixed,
        /// so that the approvals it holds are not lost.
        public static let pinsUnavailable = Code("pinsUnavailable")
        /// The server needs a sign-in this client does not have (no token, or one that can no
        /// longer be refreshed); see ``MCPError/transportError`` for the server's challenge.
        public static let authorizationRequired = Code("authorizationRequired")
    }

    public var code: Code
    public var message: String
    /// The server's error, for ``Code/serverError`` (and some ``Code/unsupportedVersion``).
    public var rpcError: JSONRPCError?
    /// The schema rules broken, for ``Code/invalidArguments`` and invalid structured results.
    public var violations: [SchemaViolation]
    /// The transport's report, when a transport failure caused this.
    public var transportError: TransportError?
    /// The tool's result, for ``Code/toolError``.
    public var toolResult: CallToolResult?
    /// When trying again makes sense, for ``Code/circuitOpen`` and ``Code/rateLimited``.
    public var retryAfter: Duration?
    /// For ``Code/timeout``: the server had begun to answer (it sent progress for the request)
    /// before time ran out, so the work is under way and repeating it is not free.
    public var answerStarted = false
    /// The transport refused the message before sending any of it (it was closed, or the
    /// server process had exited), so the server certainly never saw the request.
    public var notSent = false

    public init(
        _ code: Code,
        _ message: String,
        rpcError: JSONRPCError? = nil,
        violations: [SchemaViolation] = [],
        transportError: TransportError? = nil,
        toolResult: CallToolResult? = nil,
        retryAfter: Duration? = nil
    ) {
        self.retryAfter = retryAfter
        self.code = code
        self.message = message
        self.rpcError = rpcError
        self.violations = violations
        self.transportError = transportError
        self.toolResult = toolResult
    }

    public var description: String {
        var text = message
        for violation in violations { text += "\n  - \(violation)" }
        if let transportError, !transportError.stderrTail.isEmpty {
            text += "\n  last stderr lines:\n" + transportError.stderrTail.map { "    " + $0 }.joined(separator: "\n")
        }
        return text
    }

    /// Wraps a transport failure in the code a caller acts on.
    public init(transport error: TransportError, while action: String) {
        let code: Code
        switch error.code {
        case .spawnFailed, .connectionFailed, .invalidEndpoint: code = .connectionFailed
        case .authorizationRequired: code = .authorizationRequired
        case .httpStatus where error.httpStatus == 401: code = .authorizationRequired
        case .httpStatus:
            code = (error.httpStatus ?? 0) >= 500 ? .serverError : .protocolError
        case .malformedMessage, .messageTooLarge: code = .protocolError
        default: code = .transportClosed
        }
        var message = "\(action) failed: \(error.message)"
        if let body = error.responseBody, !body.isEmpty { message += " — \(body)" }
        self.init(code, message, transportError: error)
        self.notSent = error.messageNotSent
    }

    /// Wraps a JSON-RPC error from the server.
    public init(rpc error: JSONRPCError, while action: String) {
        let code: Code = error.code == ErrorCode.unsupportedProtocolVersion ? .unsupportedVersion : .serverError
        self.init(code, "\(action): server error \(error.code): \(error.message)", rpcError: error)
    }
}
