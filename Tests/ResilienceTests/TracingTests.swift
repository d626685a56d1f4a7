import InMemoryTracing
import Instrumentation
import JSONCore
import MCPClient
import MCPWire
import Switchboard
import TestSupport
import Testing
import Tracing

/// Bootstraps the process-wide tracer, so it is the only test that does.
@Suite("Tracing")
struct TracingTests {
    @Test("each call gets a client span, and its propagated context reaches the server in _meta")
    func propagation() async throws {
        // The in-memory tracer propagates under its own keys; a W3C propagator (swift-otel)
        // writes `traceparent` and `tracestate` the same way.
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
        let server = try await ChaosServer.start(interceptors: [TracingInterceptor()])
        let result = try await server.session.callTool("echo_meta")
        let spans = tracer.finishedSpans.filter { $0.operationName == "MCP tools/call" }
        #expect(spans.count == 1)
        let span = try #require(spans.first)
        #expect(span.kind == .client)
        #expect(span.attributes["mcp.tool"]?.toSpanAttribute() == "echo_meta".toSpanAttribute())
        #expect(result.structuredContent?[InMemoryTracer.traceIDKey]?.stringValue == span.spanContext.traceID)
        #expect(result.structuredContent?[InMemoryTracer.spanIDKey]?.stringValue == span.spanContext.spanID)
        await server.stop()
    }
}
