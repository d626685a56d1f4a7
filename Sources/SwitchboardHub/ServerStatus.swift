public import MCPWire

/// One server's state, for `switchboard servers` and the API.
public struct ServerStatus: Sendable {
    public enum Phase: Sendable, Equatable, CustomStringConvertible {
        case connecting
        case ready
        case failed(String)
        case disabled

        public var isFailed: Bool { if case .failed = self { true } else { false } }

        public var description: String {
            switch self {
            case .connecting: "connecting"
            case .ready: "ready"
            case .failed: "failed"
            case .disabled: "disabled"
            }
        }
    }

    public var name: String
    public var phase: Phase
    public var protocolVersion: ProtocolVersion?
    public var serverInfo: Implementation?
    /// Each endpoint's state: one, or one per replica.
    public var replicas: [ReplicaStatus]
    public var tools: Int
    /// Connection attempts that failed so far.
    public var attempts: Int

    public var endpoints: Int { replicas.count }
    /// Replicas connected and not ejected.
    public var healthyEndpoints: Int { replicas.filter { $0.connected && !$0.ejected }.count }
    /// Restarts of the replicas' processes so far.
    public var restarts: Int { replicas.map(\.restarts).reduce(0, +) }

    /// The error of a failed server.
    public var error: String? { if case .failed(let message) = phase { message } else { nil } }
}

/// One replica's state.
public struct ReplicaStatus: Sendable {
    /// The command line or URL (secrets masked).
    public var endpoint: String
    public var connected: Bool
    /// Taken out of rotation after failures, until its cool-down ends or a health check passes.
    public var ejected: Bool
    /// Why it is not connected.
    public var error: String?
    public var outstanding: Int
    /// Calls sent to it, and how many of those failed.
    public var calls: Int
    public var failures: Int
    public var ejections: Int
    /// Recent (exponentially weighted) latency; nil before the first answer.
    public var latency: Duration?
    /// Times its process was started again after exiting.
    public var restarts: Int
    /// Times its connection was lost with requests in flight.
    public var connectionsLost: Int
}
