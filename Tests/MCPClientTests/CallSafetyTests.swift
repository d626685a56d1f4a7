import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import Testing

/// The one call-safety policy, as values: what may be repeated or cached, and what a failure proves.
@Suite("Call safety policy")
struct CallSafetyPolicyTests {
    static let destructive = Tool(uncheckedJSON: [
        "name": "transfer", "inputSchema": ["type": "object"],
        "annotations": ["destructiveHint": true, "idempotentHint": false],
    ])
    static let readOnly = Tool(uncheckedJSON: [
        "name": "balance", "inputSchema": ["type": "object"],
        "annotations": ["readOnlyHint": true, "idempotentHint": true],
    ])
    static let idempotentWrite = Tool(uncheckedJSON: [
        "name": "set", "inputSchema": ["type": "object"],
        "annotations": ["destructiveHint": true, "idempotentHint": true],
    ])

    func safe(_ safety: CallSafety, _ tool: Tool) -> Bool {
        safety.isSafeToRepeat(method: Method.toolsCall, tool: tool.name, hints: safety.hints(of: tool))
    }

    @Test("reads are always safe; a tool only by trusted annotations or the configured list")
    func repeatability() {
        let untrusted = CallSafety()
        let trusted = CallSafety(trustAnnotations: true)
        for method in [Method.toolsList, Method.resourcesRead, Method.promptsGet, Method.discover] {
            #expect(untrusted.isSafeToRepeat(method: method, tool: nil, hints: nil))
        }
        #expect(!safe(untrusted, Self.readOnly), "annotations are hints: untrusted, they prove nothing")
        #expect(safe(trusted, Self.readOnly))
        #expect(safe(trusted, Self.idempotentWrite))
        #expect(!safe(trusted, Self.destructive))
        #expect(safe(CallSafety(safeTools: ["trans*"]), Self.destructive), "the configured list wins over annotations")
        #expect(!safe(CallSafety(safeTools: ["balance"]), Self.destructive))
        #expect(untrusted.isSafeToRepeat(method: Method.toolsCall, tool: "transfer", hints: nil, alsoSafe: ["transfer"]))
    }

    @Test("only reads and trusted read-only idempotent tools are cacheable; ping and complete never")
    func cacheability() {
        let trusted = CallSafety(trustAnnotations: true)
        #expect(trusted.isCacheable(method: Method.resourcesRead, tool: nil, hints: nil))
        #expect(!trusted.isCacheable(method: Method.ping, tool: nil, hints: nil))
        #expect(!trusted.isCacheable(method: Method.complete, tool: nil, hints: nil))
        #expect(trusted.isCacheable(method: Method.toolsCall, tool: "balance", hints: trusted.hints(of: Self.readOnly)))
        #expect(!trusted.isCacheable(method: Method.toolsCall, tool: "set", hints: trusted.hints(of: Self.idempotentWrite)))
        #expect(!CallSafety().isCacheable(method: Method.toolsCall, tool: "balance", hints: CallSafety().hints(of: Self.readOnly)))
    }

    @Test("only a failed connection or a message never sent proves the request never reached the server")
    func neverReached() {
        let refused = MCPError(transport: TransportError(.connectionFailed, "refused"), while: "tools/call")
        let reset = MCPError(transport: TransportError(.connectionBroken, "reset"), while: "tools/call")
        let exited = MCPError(transport: TransportError(.processExited, "exited"), while: "tools/call")
        let refusedByClosedPipe = MCPError(transport: TransportError(.closed, "closed", messageNotSent: true), while: "tools/call")
        #expect(refused.neverReachedServer && refused.code == .connectionFailed)
        #expect(!reset.neverReachedServer && reset.code == .transportClosed)
        #expect(!exited.neverReachedServer)
        #expect(refusedByClosedPipe.neverReachedServer)
        #expect(!MCPError(.timeout, "late").neverReachedServer)
    }

    @Test("a destructive call may be tried again only when it never reached the server")
    func tryAgain() {
        let trusted = CallSafety(trustAnnotations: true)
        let hints = trusted.hints(of: Self.destructive)
        let reset = MCPError(transport: TransportError(.connectionBroken, "reset"), while: "tools/call")
        let refused = MCPError(transport: TransportError(.connectionFailed, "refused"), while: "tools/call")
        let overloaded = MCPError(transport: TransportError(.httpStatus, "busy", httpStatus: 503), while: "tools/call")
        let rejected = MCPError(rpc: JSONRPCError(code: ErrorCode.invalidParams, message: "bad"), while: "tools/call")
        #expect(!trusted.mayTryAgain(after: reset, method: Method.toolsCall, tool: "transfer", hints: hints))
        #expect(trusted.mayTryAgain(after: refused, method: Method.toolsCall, tool: "transfer", hints: hints))
        #expect(!trusted.mayTryAgain(after: overloaded, method: Method.toolsCall, tool: "transfer", hints: hints))
        #expect(trusted.mayTryAgain(after: overloaded, method: Method.toolsCall, tool: "balance", hints: trusted.hints(of: Self.readOnly)))
        #expect(!trusted.mayTryAgain(after: rejected, method: Method.resourcesRead, tool: nil, hints: nil), "a refusal is not transient")
        var started = MCPError(.timeout, "late")
        #expect(trusted.mayTryAgain(after: started, method: Method.resourcesRead, tool: nil, hints: nil))
        started.answerStarted = true
        #expect(!trusted.mayTryAgain(after: started, method: Method.resourcesRead, tool: nil, hints: nil))
    }
}
