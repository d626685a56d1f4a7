public import MCPWire
import Synchronization

/// What a legacy (handshake) connection fixed at `initialize`: version, client identity and
/// capabilities, plus the log level and resource subscriptions it set later.
///
/// One exists per stdio process or per HTTP `Mcp-Session-Id`. Modern requests ignore it.
public final class LegacyConnection: Sendable {
    struct State {
        var version: ProtocolVersion?
        var clientCapabilities = ClientCapabilities()
        var clientInfo: Implementation?
        var logLevel: LoggingLevel?
        var subscriptions: Set<String> = []
    }
    let state = Mutex(State())

    public init() {}

    /// The negotiated version, once `initialize` has been answered.
    public var version: ProtocolVersion? { state.withLock { $0.version } }

    /// Whether a resource update for `uri` should be sent on this connection.
    public func isSubscribed(to uri: String) -> Bool { state.withLock { $0.subscriptions.contains(uri) } }
}
