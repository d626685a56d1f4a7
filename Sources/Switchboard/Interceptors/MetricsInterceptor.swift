public import JSONCore
public import MCPClient
import MCPWire

/// Counts and times every call by server, method, tool and outcome, and tracks calls in
/// flight (see ``SwitchboardMetrics``). Put it first, so it sees the call as the caller does,
/// retries and cache hits included.
///
/// It only observes, so the chain runs it without an asynchronous frame of its own.
public struct MetricsInterceptor: ObservingInterceptor {
    public let name = "metrics"
    public let metrics: SwitchboardMetrics

    public init(metrics: SwitchboardMetrics = .shared) {
        self.metrics = metrics
    }

    public func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
        let calls = metrics.calls(server: context.server, method: request.method, tool: context.toolName)
        calls.begin()
        return ObservationMark(timed: true, object: calls)
    }

    public func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>) {
        let label: String
        switch outcome {
        case .success(let result):
            label = request.method == Method.toolsCall && result.bool("isError") == true ? "tool_error" : "ok"
            context.note(name, "recorded \(label)")
        case .failure(let error):
            label = SwitchboardMetrics.outcome(error)
            context.note(name, "recorded \(error.code)")
        }
        guard let calls = mark.object as? SwitchboardMetrics.CallHandles else {
            preconditionFailure("metrics: the mark does not hold the handles willSend put there")
        }
        calls.end(outcome: label, nanoseconds: mark.elapsedNanoseconds)
    }
}
