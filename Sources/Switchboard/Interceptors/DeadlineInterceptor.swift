public import JSONCore
public import MCPClient

/// Keeps every call within one deadline across all its attempts.
///
/// The session already gives each call one deadline (its timeout) that retries share; this
/// interceptor can cap it (``maximum``), can give each attempt less than the whole (``perAttempt``,
/// so a hung attempt leaves time for a retry), and refuses an attempt that starts with no time
/// left, with ``MCPError/Code/timeout``. Cancelling the caller cancels the request on the wire
/// (the session does that: `notifications/cancelled`, or closing the HTTP stream).
public struct DeadlineInterceptor: RequestInterceptor {
    public let name = "deadline"
    /// The longest any call may take, whatever its own timeout says.
    public let maximum: Duration?
    /// The longest one attempt may take; the call's deadline still bounds the sum.
    public let perAttempt: Duration?

    public init(maximum: Duration? = nil, perAttempt: Duration? = nil) {
        self.maximum = maximum
        self.perAttempt = perAttempt
    }

    /// Only when it has a cap to apply or a trace to note in. (Without a cap, a deadline that
    /// has passed is refused by the session itself, as a timeout, before anything is sent: no
    /// need to read the clock here on every call.)
    public func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool {
        maximum != nil || perAttempt != nil || context.timeline != nil
    }

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
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
        if let perAttempt {
            let attemptDeadline = ContinuousClock.now + perAttempt
            if attemptDeadline < context.deadline {
                context.deadline = attemptDeadline
                context.note(name, "\(Self.milliseconds(perAttempt)) ms for attempt \(context.attempt)")
                return try await next(request, context)
            }
        }
        context.note(name, "\(Self.milliseconds(context.remaining)) ms left")
        return try await next(request, context)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
