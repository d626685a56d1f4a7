public import JSONCore
import JSONSchema
import Logging
import MCPTransport
public import MCPWire
import Synchronization

/// Per-call settings.
public struct RequestOptions: Sendable {
    /// How long to wait for the answer; the session's default when `nil`.
    public var timeout: Duration?
    /// When to stop waiting, shared by every attempt of the call: retries and failover to
    /// other replicas all end by this instant. Wins over ``timeout`` when set.
    public var deadline: ContinuousClock.Instant? {
        get { storedDeadline?.instant }
        set { storedDeadline = newValue.map(ClockInstant.init) }
    }
    /// The deadline as stored: see ``ClockInstant`` for why not as `ContinuousClock.Instant`.
    package var storedDeadline: ClockInstant?
    /// Called with each progress notification for this request. Runs on the connection's
    /// reader, so it must be quick; hand work off to a task if it is not.
    public var onProgress: (@Sendable (ProgressParams) -> Void)?
    /// Whether each progress notification restarts the timeout (for long, visibly busy work).
    public var resetTimeoutOnProgress: Bool
    /// The longest the request may run however much progress it reports.
    public var maximumTotalTimeout: Duration?
    /// Extra `_meta` members for this request (trace context, vendor keys).
    public var meta: JSONObject?
    /// Whether tool arguments are checked against the tool's input schema before sending.
    public var validateArguments: Bool
    /// Skip caches for this call: ask the server, and do not store the answer.
    public var bypassCache: Bool
    /// Collects what each interceptor did during the call (for `call --trace`).
    public var timeline: CallTimeline?
    /// Send the request straight to the server, past every interceptor (no cache, retry or
    /// breaker): what a health check needs, which asks about the server and not the chain.
    public var bypassInterceptors = false

    public init(
        timeout: Duration? = nil,
        onProgress: (@Sendable (ProgressParams) -> Void)? = nil,
        resetTimeoutOnProgress: Bool = false,
        maximumTotalTimeout: Duration? = nil,
        meta: JSONObject? = nil,
        validateArguments: Bool = true,
        bypassCache: Bool = false,
        timeline: CallTimeline? = nil,
        deadline: ContinuousClock.Instant? = nil
    ) {
        self.timeout = timeout
        self.storedDeadline = deadline.map(ClockInstant.init)
        self.onProgress = onProgress
        self.resetTimeoutOnProgress = resetTimeoutOnProgress
        self.maximumTotalTimeout = maximumTotalTimeout
        self.meta = meta
        self.validateArguments = validateArguments
        self.bypassCache = bypassCache
        self.timeline = timeline
    }

    public static let `default` = RequestOptions()
}
