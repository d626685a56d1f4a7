public import MCPServer

/// The caller of one request to the gateway: the principal, and where the request came from.
/// The HTTP layer makes one per request; the catalog reads it from
/// ``MCPServer/RequestContext/caller``.
public struct GatewayCaller: CallerIdentity {
    public var principal: Principal
    /// The client's IP address.
    public var client: String?
    /// The trace id of the request's W3C `traceparent`, when it had a valid one.
    public var traceID: String?

    public init(principal: Principal, client: String? = nil, traceID: String? = nil) {
        self.principal = principal
        self.client = client
        self.traceID = traceID
    }

    /// Two requests of one principal are one caller (a legacy session is bound by this).
    public var name: String { principal.name }

    /// The trace id of a `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`); nil for anything
    /// else, or the all-zero id the W3C format forbids.
    public static func traceID(fromTraceparent header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16 else { return nil }
        let id = parts[1].lowercased()
        guard id.allSatisfy(\.isHexDigit), id.contains(where: { $0 != "0" }), parts[0].allSatisfy(\.isHexDigit) else { return nil }
        return id
    }
}

/// What the audit log records of a request besides the principal, action and outcome.
struct RequestFacts: Sendable {
    var caller: GatewayCaller
    var server: String?
    var argumentsSHA256: String?
    var requestID: String?

    var principal: Principal { caller.principal }

}
