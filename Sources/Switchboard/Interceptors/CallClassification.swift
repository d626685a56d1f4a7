import JSONCore
public import MCPClient
import MCPTransport
import MCPWire

/// What may safely happen to a call more than once: be repeated (retries, failover) or be
/// answered from a cache.
///
/// Lists, reads, prompts and discovery change nothing, so they are always safe. A tool call
/// is safe only when the server's annotations say so *and* they are trusted (annotations are
/// untrusted hints by default), or when configuration names the tool.
public struct CallClassification: Sendable, Hashable {
    /// Methods that only read.
    public static let readMethods: Set<String> = [
        Method.toolsList, Method.resourcesList, Method.resourceTemplatesList, Method.resourcesRead, Method.promptsList,
        Method.promptsGet, Method.discover, Method.complete, Method.ping,
    ]

    /// Tools treated as safe whatever their annotations say.
    public var tools: Set<String>

    public init(tools: Set<String> = []) {
        self.tools = tools
    }

    /// Whether repeating the call cannot do harm: it reads, or it is an idempotent or
    /// read-only tool by trusted annotations, or configuration lists it.
    public func isSafeToRepeat(_ request: InterceptedRequest, _ context: InterceptorContext) -> Bool {
        if Self.readMethods.contains(request.method) { return true }
        guard request.method == Method.toolsCall, let tool = request.toolName else { return false }
        if tools.contains(tool) { return true }
        guard let hints = context.trustedHints else { return false }
        if hints.destructive == true && hints.idempotent != true { return false }
        return hints.readOnly == true || hints.idempotent == true
    }

    /// Whether the call's answer may be reused: it reads, or it is a tool that is both
    /// read-only and idempotent by trusted annotations, or configuration lists it.
    public func isCacheable(_ request: InterceptedRequest, _ context: InterceptorContext) -> Bool {
        if request.method == Method.ping || request.method == Method.complete { return false }
        if Self.readMethods.contains(request.method) { return true }
        guard request.method == Method.toolsCall, let tool = request.toolName else { return false }
        if tools.contains(tool) { return true }
        guard let hints = context.trustedHints else { return false }
        return hints.readOnly == true && hints.idempotent == true
    }
}

/// The key that names a request for caching and coalescing (built once per call, then kept
/// in ``InterceptorContext/requestKey``).
func requestKey(_ request: InterceptedRequest, _ context: inout InterceptorContext) -> String {
    if let key = context.requestKey { return key }
    let key = requestKey(server: context.server, method: request.method, params: request.params)
    context.requestKey = key
    return key
}

/// The key that names a request for caching and coalescing: server, method, and the
/// parameters in canonical form (members sorted, so their order does not matter), without
/// `_meta` (which carries per-request data such as progress tokens). Built in one buffer.
func requestKey(server: String, method: String, params: JSONObject) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(server.utf8.count + method.utf8.count + 64)
    bytes.append(contentsOf: server.utf8)
    bytes.append(0)
    bytes.append(contentsOf: method.utf8)
    bytes.append(0)
    bytes.append(UInt8(ascii: "{"))
    var first = true
    for key in params.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where key != "_meta" {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONWriter.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        JSONWriter.write(params[key]!, into: &bytes, options: .canonical, indent: 0)
    }
    bytes.append(UInt8(ascii: "}"))
    return String(decoding: bytes, as: UTF8.self)
}
