public import JSONCore
public import MCPClient

/// Keeps every call within one deadline across all its attempts.
///
/// The session already gives each call one deadline (its timeout) that retries share; this
/// interceptor can cap it (``maximum``) and refuses an attempt that starts with no time left,
/// with ``MCPError/Code/timeout``. Cancelling the caller cancels the request on the wire
/// (the session does that: `notifications/cancelled`, or closing the HTTP stream).
public struct DeadlineInterceptor: RequestInterceptor {
    public let name = "deadline"
    /// The longest any call may take, whatever its own timeout says.
    public let maximum: Duration?

    public init(maximum: Duration? = nil) {
        self.maximum = maximum
    }

    public func intercept(_ request: InterceptedRequest, context: InterceptorContext, next: InterceptorNext) async throws(MCPError)
        -> JSONObject
    {
        var context = context
        if let maximum {
            let capped = ContinuousClock.now + maximum
            if capped < context.deadline { context.deadline = capped }
        }
        guard context.remaining > .zero else {
            throw MCPError(.timeout, "\(request.method) on \(context.server): the deadline passed before attempt \(context.attempt)")
        }
        context.note(name, "\(context.remaining.components.seconds * 1000 + context.remaining.components.attoseconds / 1_000_000_000_000_000) ms left")
        return try await next(request, context)
    }
}
