import HTTPTypes
public import Hummingbird
public import HummingbirdAuth
public import NIOCore

/// The request context of the gateway's HTTP server: Hummingbird's, plus the principal the
/// authentication middleware found and the address the connection comes from.
public struct GatewayRequestContext: AuthRequestContext, RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Principal?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address (the peer of the connection), for counting bad credentials.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The caller the MCP endpoint hands to the catalog: the principal, and where `request` came from.
    func caller(of request: Request) -> GatewayCaller? {
        identity.map { GatewayCaller(principal: $0, client: clientAddress, traceID: Self.traceID(of: request)) }
    }

    static let traceparent = HTTPField.Name("traceparent")!

    /// The trace id of `request`'s W3C `traceparent` header, if it has a valid one.
    static func traceID(of request: Request) -> String? {
        GatewayCaller.traceID(fromTraceparent: request.headers[traceparent])
    }
}
