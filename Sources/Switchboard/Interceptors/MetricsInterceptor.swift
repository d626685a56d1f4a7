public import JSONCore
public import MCPClient
import MCPWire

/// Counts and times every call by server, method, tool and outcome, and tracks calls in
/// flight (see ``SwitchboardMetrics``). Put it first, so it sees the call as the caller does,
/// retries and cache hits included.
public struct MetricsInterceptor: RequestInterceptor {
    public let name = "metrics"
    public let metrics: SwitchboardMetrics

    public init(metrics: SwitchboardMetrics = .shared) {
        self.metrics = metrics
    }

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    {
        let calls = metrics.calls(server: context.server, method: request.method, tool: context.toolName)
        let start = ContinuousClock.now
        calls.begin()
        do {
            let result = try await next(request, context)
            let outcome = request.method == Method.toolsCall && result.bool("isError") == true ? "tool_error" : "ok"
            context.note(name, "recorded \(outcome)")
            calls.end(outcome: outcome, duration: .now - start)
            return result
        } catch {
            let outcome = SwitchboardMetrics.outcome(error)
            context.note(name, "recorded \(error.code)")
            calls.end(outcome: outcome, duration: .now - start)
            throw error
        }
    }
}
