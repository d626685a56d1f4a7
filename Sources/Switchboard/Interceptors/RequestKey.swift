import JSONCore
import MCPClient

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
