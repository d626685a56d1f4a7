import HTTPTypes
import Hummingbird
import JSONCore
import MCPServer
import MCPWire

extension MCPHTTPEndpoint {
    /// Checks the headers a modern request must carry against its body (2026-07-28):
    /// `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, and the `Mcp-Param-*` headers of
    /// tools whose schema marks parameters with `x-mcp-header`.
    func validateModernHeaders(_ headers: HTTPFields, _ rpc: JSONRPCRequest) -> JSONRPCError? {
        func mismatch(_ text: String) -> JSONRPCError { JSONRPCError(code: ErrorCode.headerMismatch, message: "Header mismatch: \(text)") }
        let params = rpc.params ?? [:]
        let metaVersion = params.object("_meta")?.string(MetaKey.protocolVersion) ?? ""
        guard let version = headers[.mcpProtocolVersion] else { return mismatch("MCP-Protocol-Version header is missing") }
        guard version == metaVersion else {
            return mismatch("MCP-Protocol-Version header '\(version)' does not match _meta '\(metaVersion)'")
        }
        guard let method = headers[.mcpMethod] else { return mismatch("Mcp-Method header is missing") }
        guard method == rpc.method else { return mismatch("Mcp-Method header '\(method)' does not match body '\(rpc.method)'") }
        let nameSource: String?
        switch rpc.method {
        case Method.toolsCall, Method.promptsGet: nameSource = params.string("name")
        case Method.resourcesRead: nameSource = params.string("uri")
        default: nameSource = nil
        }
        if let expected = nameSource {
            guard let header = headers[.mcpName] else { return mismatch("Mcp-Name header is missing") }
            guard HeaderParameters.decode(header) == expected else {
                return mismatch("Mcp-Name header value '\(header)' does not match body value '\(expected)'")
            }
        }
        if rpc.method == Method.toolsCall, let name = nameSource, let tool = server.tool(named: name),
            let parameters = try? HeaderParameters.extract(from: tool.inputSchema)
        {
            let arguments = params.object("arguments")
            for (header, path) in parameters {
                let expected = HeaderParameters.headerValue(for: arguments, path: path)
                let fieldName = HTTPField.Name("Mcp-Param-" + header)!
                let sent = headers[fieldName]
                switch (expected, sent) {
                case (nil, nil): continue
                case (nil, _?): return mismatch("Mcp-Param-\(header) sent but the argument is absent")
                case (_?, nil): return mismatch("Mcp-Param-\(header) header is missing")
                case (let want?, let got?):
                    guard HeaderParameters.decode(got) == HeaderParameters.decode(want) else {
                        return mismatch("Mcp-Param-\(header) header '\(got)' does not match the argument")
                    }
                }
            }
        }
        return nil
    }
}
