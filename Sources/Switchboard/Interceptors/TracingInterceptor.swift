import Instrumentation
public import JSONCore
public import MCPClient
import Tracing

/// One swift-distributed-tracing span per call (kind client), with the W3C trace context
/// carried to the server in `_meta` (`traceparent`, `tracestate`), as 2026-07-28 documents.
///
/// With no tracer bootstrapped (`InstrumentationSystem.bootstrap`), spans cost nearly
/// nothing and no trace context is sent.
public struct TracingInterceptor: RequestInterceptor {
    public let name = "tracing"

    public init() {}

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    {
        let outcome: Result<JSONObject, MCPError> = await withSpan("MCP \(request.method)", ofKind: .client) { span in
            span.attributes["mcp.server"] = context.server
            span.attributes["mcp.method"] = request.method
            if let tool = request.toolName { span.attributes["mcp.tool"] = tool }
            var carrier: [String: String] = [:]
            InstrumentationSystem.instrument.inject(span.context, into: &carrier, using: DictionaryInjector())
            var context = context
            if !carrier.isEmpty {
                context.traceContext = TraceContext(fields: carrier)
                context.note(name, carrier.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
            do throws(MCPError) {
                return .success(try await next(request, context))
            } catch {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error, message: error.code.description))
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}

/// Writes trace headers into a dictionary.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
