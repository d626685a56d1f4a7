public import MCPWire

/// Receives what a transport reads.
///
/// Called from the transport's reader (a thread or task of its own). Implementations must
/// return quickly and never block: resume a continuation, yield to a stream, or start a task.
public protocol TransportInbound: Sendable {
    /// A message arrived.
    func receive(_ message: JSONRPCMessage)
    /// A frame could not be read as a message. The transport keeps going.
    func receiveMalformed(_ error: TransportError)
    /// The request with this id will get no response through the transport (its HTTP POST
    /// failed or its response stream ended early).
    func requestFailed(_ id: RequestID, _ error: TransportError)
    /// The transport closed; nothing more will arrive. `error` is `nil` after ``Transport/close()``.
    func closed(_ error: TransportError?)
    /// The connection was lost with requests in flight, but the transport goes on: the next
    /// message re-establishes it (a restarted server process). Nothing in flight will be answered.
    func connectionLost(_ error: TransportError)
}

/// Something that carries whole JSON-RPC messages to and from one MCP peer.
///
/// A transport is started once with the receiver of what it reads, then sends until closed.
/// It frames, connects and reconnects; it does not correlate requests with responses.
public protocol Transport: AnyObject, Sendable {
    /// What kind of connection this is, for display (`stdio`, `streamable-http`, ...).
    var kind: TransportKind { get }
    /// Connects and begins delivering to `inbound`.
    func start(_ inbound: any TransportInbound) async throws(TransportError)
    /// Sends one message.
    func send(_ message: OutboundMessage) async throws(TransportError)
    /// Stops waiting for the response to `id`. On HTTP this closes that request's response
    /// stream, which a modern server takes as cancellation; elsewhere it does nothing.
    func abandon(_ id: RequestID)
    /// Closes the connection and, for a spawned process, stops it. Idempotent.
    func close() async
    /// An executor on the connection's own I/O thread, if the transport has one. Tasks that
    /// prefer it (`withTaskExecutorPreference`) do their sending and get their answers on one
    /// thread, which makes sequential request/response loops faster. `nil` when the transport
    /// has no such thread.
    var preferredTaskExecutor: (any TaskExecutor)? { get }
}

extension Transport {
    public func abandon(_ id: RequestID) {}
    public var preferredTaskExecutor: (any TaskExecutor)? { nil }
}

/// The kind of connection a transport makes.
public enum TransportKind: String, Sendable, Hashable, CustomStringConvertible {
    case stdio
    case streamableHTTP = "streamable-http"
    case legacySSE = "sse"
    case inMemory = "in-memory"

    public var description: String { rawValue }
}

/// One message to send, with what an HTTP transport needs to label it.
public struct OutboundMessage: Sendable {
    public var message: JSONRPCMessage
    /// The protocol version in use, for the `MCP-Protocol-Version` header. `nil` before one
    /// is chosen (the legacy `initialize` request).
    public var protocolVersion: ProtocolVersion?
    /// Extra HTTP headers for this message only (`Mcp-Param-*`).
    public var headers: [(name: String, value: String)]

    public init(
        _ message: JSONRPCMessage,
        protocolVersion: ProtocolVersion? = nil,
        headers: [(name: String, value: String)] = []
    ) {
        self.message = message
        self.protocolVersion = protocolVersion
        self.headers = headers
    }
}
