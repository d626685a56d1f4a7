public import Hummingbird
public import HummingbirdAuth
import NIOCore

/// The request context of the gateway's HTTP server: Hummingbird's, plus the principal the
/// authentication middleware found.
public struct GatewayRequestContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        identity = nil
    }
}
