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

    public func intercept(_ request: InterceptedRequest, context: InterceptorContext, next: InterceptorNext) async throws(MCPError)
        -> JSONObject
    {
        let start = ContinuousClock.now
        metrics.inFlight(server: context.server, delta: 1)
        defer { metrics.inFlight(server: context.server, delta: -1) }
        do {
            let result = try await next(request, context)
            let outcome = request.method == Method.toolsCall && result.bool("isError") == true ? "tool_error" : "ok"
            context.note(name, "recorded \(outcome)")
            metrics.request(server: context.server, method: request.method, tool: request.toolName, outcome: outcome, duration: .now - start)
            return result
        } catch {
            context.note(name, "recorded \(error.code)")
            metrics.request(
                server: context.server, method: request.method, tool: request.toolName, outcome: SwitchboardMetrics.outcome(error),
                duration: .now - start)
            throw error
        }
    }
}
