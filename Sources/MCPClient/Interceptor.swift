public import JSONCore
public import MCPWire
import Synchronization

/// One outgoing request, as interceptors see and may change it.
public struct InterceptedRequest: Sendable {
    public var method: String
    public var params: JSONObject
    public var options: RequestOptions
    /// Extra HTTP headers (`Mcp-Param-*`).
    public var headers: [(name: String, value: String)]

    public init(method: String, params: JSONObject, options: RequestOptions, headers: [(name: String, value: String)] = []) {
        self.method = method
        self.params = params
        self.options = options
        self.headers = headers
    }

    /// The tool a `tools/call` names.
    public var toolName: String? { method == Method.toolsCall ? params.string("name") : nil }
}

/// What an interceptor knows about the call it wraps.
///
/// What stays the same for the whole call lives in one shared object, so passing the context
/// down the chain copies a reference and three small values, not a dozen fields.
public struct InterceptorContext: Sendable {
    @usableFromInline
    final class Call: Sendable {
        let server: String
        let method: String
        let toolName: String?
        let tool: Tool?
        let safety: CallSafety
        let protocolVersion: ProtocolVersion?
        let authorizationContext: String
        /// The trusted annotations' hints, read out of the tool's JSON once per call.
        let hints: ToolHints?
        /// Whether the method only reads, looked up once per call (interceptors ask often).
        let readsOnly: Bool
        @usableFromInline let timeline: CallTimeline?

        init(
            server: String,
            method: String,
            toolName: String?,
            tool: Tool?,
            safety: CallSafety,
            protocolVersion: ProtocolVersion?,
            authorizationContext: String,
            timeline: CallTimeline?
        ) {
            self.server = server
            self.method = method
            self.toolName = toolName
            self.tool = tool
            self.safety = safety
            self.protocolVersion = protocolVersion
            self.authorizationContext = authorizationContext
            self.hints = safety.hints(of: tool)
            self.readsOnly = method != Method.toolsCall && CallSafety.readMethods.contains(method)
            self.timeline = timeline
        }
    }

    @usableFromInline let call: Call
    /// 1 for the first attempt; retries count up.
    public var attempt: Int
    /// The one deadline that covers every attempt of this call.
    public var deadline: ContinuousClock.Instant {
        get { storedDeadline.instant }
        set { storedDeadline = ClockInstant(newValue) }
    }
    /// The deadline as stored: see ``ClockInstant`` for why not as `ContinuousClock.Instant`.
    package var storedDeadline: ClockInstant
    /// The W3C trace context to carry in `_meta` (`traceparent`, `tracestate`), if any.
    public var traceContext: TraceContext?
    /// The request's canonical key (server, method, parameters in canonical form), once an
    /// interceptor has built it: later ones (a cache, then coalescing) reuse it instead of
    /// serializing the parameters again.
    public var requestKey: String?

    public init(
        server: String,
        method: String,
        toolName: String? = nil,
        tool: Tool? = nil,
        annotationsTrusted: Bool = false,
        safety: CallSafety? = nil,
        attempt: Int = 1,
        deadline: ContinuousClock.Instant,
        traceContext: TraceContext? = nil,
        protocolVersion: ProtocolVersion? = nil,
        authorizationContext: String = "",
        timeline: CallTimeline? = nil
    ) {
        self.init(
            server: server,
            method: method,
            toolName: toolName,
            tool: tool,
            safety: safety ?? CallSafety(trustAnnotations: annotationsTrusted),
            attempt: attempt,
            deadline: ClockInstant(deadline),
            traceContext: traceContext,
            protocolVersion: protocolVersion,
            authorizationContext: authorizationContext,
            timeline: timeline
        )
    }

    package init(
        server: String,
        method: String,
        toolName: String?,
        tool: Tool?,
        safety: CallSafety,
        attempt: Int = 1,
        deadline: ClockInstant,
        traceContext: TraceContext? = nil,
        protocolVersion: ProtocolVersion?,
        authorizationContext: String,
        timeline: CallTimeline?
    ) {
        self.call = Call(
            server: server,
            method: method,
            toolName: toolName,
            tool: tool,
            safety: safety,
            protocolVersion: protocolVersion,
            authorizationContext: authorizationContext,
            timeline: timeline
        )
        self.attempt = attempt
        self.storedDeadline = deadline
        self.traceContext = traceContext
    }

    /// The server's name (its configuration name, or its reported name).
    public var server: String { call.server }
    public var method: String { call.method }
    /// For `tools/call`: the tool's name and, when listed, its definition and annotations.
    public var toolName: String? { call.toolName }
    public var tool: Tool? { call.tool }
    /// Whether this server's tool annotations are trusted (they are hints, untrusted by default).
    public var annotationsTrusted: Bool { call.safety.trustAnnotations }
    /// The session's call-safety policy: what may be repeated or cached.
    public var safety: CallSafety { call.safety }
    /// The negotiated protocol version.
    public var protocolVersion: ProtocolVersion? { call.protocolVersion }
    /// Whose credentials the request carries (``ClientConfiguration/authorizationContext``).
    public var authorizationContext: String { call.authorizationContext }
    /// Where interceptors note what they did, when the caller asked to see it (`call --trace`).
    public var timeline: CallTimeline? { call.timeline }

    /// The tool's annotations, only if they are trusted.
    public var trustedAnnotations: ToolAnnotations? { call.safety.trustAnnotations ? call.tool?.annotations : nil }
    /// The hints of the trusted annotations, as plain values (nil when untrusted or unknown).
    public var trustedHints: ToolHints? { call.hints }

    /// Whether repeating this call cannot do harm, by the session's policy and `alsoSafe`
    /// (an interceptor's own list of tools).
    public func isSafeToRepeat(_ request: InterceptedRequest, alsoSafe: Set<String> = []) -> Bool {
        if call.readsOnly && request.method == call.method { return true }
        return call.safety.isSafeToRepeat(method: request.method, tool: request.toolName, hints: call.hints, alsoSafe: alsoSafe)
    }

    /// Whether this call's answer may be reused, by the session's policy and `cacheable`
    /// (an interceptor's own list of tools).
    public func isCacheable(_ request: InterceptedRequest, cacheable: Set<String> = []) -> Bool {
        // The common case, a tool call neither listed nor trusted read-only, is answered
        // without hashing anything.
        if request.method == call.method, !call.readsOnly, call.hints == nil, cacheable.isEmpty { return false }
        return call.safety.isCacheable(method: request.method, tool: request.toolName, hints: call.hints, cacheable: cacheable)
    }

    /// Whether the call may be tried again after `failure` (see ``CallSafety/mayTryAgain(after:method:tool:hints:alsoSafe:)``).
    public func mayTryAgain(_ request: InterceptedRequest, after failure: MCPError, alsoSafe: Set<String> = []) -> Bool {
        call.safety.mayTryAgain(after: failure, method: request.method, tool: request.toolName, hints: call.hints, alsoSafe: alsoSafe)
    }

    /// Time left before the deadline (zero once it has passed).
    public var remaining: Duration { max(.zero, ClockInstant.now.duration(to: storedDeadline)) }

    /// Records a step in the call's timeline, if one is kept. The text is only built then.
    @inlinable
    public func note(_ interceptor: String, _ text: @autoclosure () -> String) {
        guard let timeline = call.timeline else { return }
        timeline.add(interceptor, text())
    }
}

/// The behaviour hints of a tool's annotations, as plain values: what retries, caches and
/// failover decide by, read out of the JSON once per call rather than by each of them.
public struct ToolHints: Sendable, Hashable {
    public var readOnly: Bool?
    public var destructive: Bool?
    public var idempotent: Bool?
    public var openWorld: Bool?

    public init(_ annotations: ToolAnnotations) {
        readOnly = annotations.readOnlyHint
        destructive = annotations.destructiveHint
        idempotent = annotations.idempotentHint
        openWorld = annotations.openWorldHint
    }
}

/// Trace context to carry in a request's `_meta`: what the tracer's propagator injects. With
/// W3C propagation that is `traceparent`, `tracestate` and `baggage`, as 2026-07-28 documents.
public struct TraceContext: Sendable, Hashable {
    /// `_meta` keys and their values.
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
    }

    public init(traceparent: String, tracestate: String? = nil) {
        var fields = ["traceparent": traceparent]
        if let tracestate { fields["tracestate"] = tracestate }
        self.fields = fields
    }

    public var traceparent: String? { fields["traceparent"] }
    public var tracestate: String? { fields["tracestate"] }
}

/// Something that wraps every outgoing request of a session: it may watch it, change it,
/// answer it without the server (a cache), or refuse it (an open circuit breaker).
///
/// Interceptors run in order; each calls `next` to pass the request on, or does not.
/// Conform to add your own, the way swift-log backends conform to `LogHandler`.
///
/// ```swift
/// struct Stopwatch: RequestInterceptor {
///     let name = "stopwatch"
///     func intercept(_ request: InterceptedRequest, context: InterceptorContext, next: InterceptorNext)
///         async throws(MCPError) -> JSONObject {
///         let start = ContinuousClock.now
///         defer { context.note(name, "\(ContinuousClock.now - start)") }
///         return try await next(request, context)
///     }
/// }
/// ```
public protocol RequestInterceptor: Sendable {
    /// A short name, for configuration and traces.
    var name: String { get }
    /// Handles one request; call `next` to send it on.
    func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    /// Whether this interceptor has anything to do for `request`; when not, the chain passes
    /// it straight to the next one, at the cost of this synchronous check instead of an
    /// asynchronous call (a cache has nothing to do for a call it may not answer). The
    /// default is true: every request is intercepted.
    func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool
    /// Sees each notification from the server (to invalidate a cache, say). Must be quick.
    func didReceive(_ notification: ServerNotification, server: String)
    /// Hears that the connection to the server was lost and re-established.
    func connectionLost(server: String)
    /// Whether this interceptor needs the server's change notifications, so that a modern
    /// session should open `subscriptions/listen` for them when it connects.
    var listensForChanges: Bool { get }
}

extension RequestInterceptor {
    public func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool { true }
    public var listensForChanges: Bool { false }
    public func didReceive(_ notification: ServerNotification, server: String) {}
    public func connectionLost(server: String) {}
}

/// The rest of the chain after an interceptor.
public struct InterceptorNext: Sendable {
    @usableFromInline let chain: InterceptorChain
    @usableFromInline let index: Int
    /// The session that sends the request after the last interceptor, when the chain is a
    /// session's own: called directly, without the chain's closure and its frames.
    ///
    /// Unowned and unretained: the session is running the call this `next` belongs to, so
    /// it outlives it, and a session (which the hub holds weakly) is costly to retain. An
    /// interceptor must not keep `next` beyond its call.
    @usableFromInline unowned(unsafe) let session: ClientSession?

    @usableFromInline
    init(chain: InterceptorChain, index: Int, session: ClientSession?) {
        self.chain = chain
        self.index = index
        self.session = session
    }

    /// After the last interceptor: the session's send, or the chain's own last step.
    @inlinable
    func last(_ request: InterceptedRequest, _ context: InterceptorContext) async throws(MCPError) -> JSONObject {
        if let session { return try await session.perform(request, context: context) }
        guard let terminal = chain.terminal else {
            preconditionFailure("a chain without a last step of its own runs only for its session")
        }
        return try await terminal(request, context)
    }

    /// Passes the request on: through the observers that handle it (each told how the call
    /// ended), to the next wrapping or repeating interceptor that handles it, or to the server
    /// after the last.
    @inlinable
    public func callAsFunction(_ request: InterceptedRequest, _ context: InterceptorContext) async throws(MCPError) -> JSONObject {
        var index = self.index
        var observers = StartedObservers()
        let wrapper = try startObservers(request, context, from: &index, into: &observers)
        if observers.isEmpty {
            return try await send(request, context, through: wrapper, rest: index)
        }
        let outcome: Result<JSONObject, MCPError>
        do {
            outcome = .success(try await send(request, context, through: wrapper, rest: index))
        } catch {
            outcome = .failure(error)
        }
        observers.finish(request, context: context, outcome: outcome)
        return try outcome.get()
    }

    /// Starts the observers from `index` on that handle the request, up to the first wrapping
    /// or repeating stage that does, which it returns (with `index` just after it). When an
    /// observer refuses, those started are told, innermost first, and the refusal is thrown.
    @inlinable @inline(__always)
    func startObservers(
        _ request: InterceptedRequest,
        _ context: InterceptorContext,
        from index: inout Int,
        into observers: inout StartedObservers
    ) throws(MCPError) -> InterceptorStage? {
        let stages = chain.stages
        while index < stages.count {
            let stage = stages[index]
            index += 1
            guard stage.handles(request, context: context) else { continue }
            guard stage.kind == .observing else { return stage }
            do {
                observers.append(stage, mark: try stage.willSend(request, context: context))
            } catch {
                observers.finish(request, context: context, outcome: .failure(error))
                throw error
            }
        }
        return nil
    }

    /// Sends the request through `wrapper` (when there is one) and the stages from `rest` on.
    @inlinable @inline(__always)
    func send(
        _ request: InterceptedRequest,
        _ context: InterceptorContext,
        through wrapper: InterceptorStage?,
        rest: Int
    ) async throws(MCPError) -> JSONObject {
        guard let wrapper else { return try await last(request, context) }
        guard wrapper.kind == .repeating else {
            return try await wrapper.intercept(request, context: context, next: InterceptorNext(chain: chain, index: rest, session: session))
        }
        wrapper.willSendFirstAttempt(request, context: context)
        var context = context
        while true {
            do {
                return try await attempt(request, context, from: rest)
            } catch {
                context = try await wrapper.nextAttempt(request, context: context, after: error)
            }
        }
    }

    /// One attempt of a repeating stage: the stages from `index` on. When they only observe
    /// (the default chain's case), they run here, without a frame for the rest of the chain.
    @inlinable @inline(__always)
    func attempt(_ request: InterceptedRequest, _ context: InterceptorContext, from index: Int) async throws(MCPError) -> JSONObject {
        guard chain.onlyObserversFrom[index] else {
            return try await InterceptorNext(chain: chain, index: index, session: session)(request, context)
        }
        var index = index
        var observers = StartedObservers()
        let wrapper = try startObservers(request, context, from: &index, into: &observers)
        precondition(wrapper == nil, "a stage after \(index) wraps, though the chain said none does")
        if observers.isEmpty {
            return try await last(request, context)
        }
        let outcome: Result<JSONObject, MCPError>
        do {
            outcome = .success(try await last(request, context))
        } catch {
            outcome = .failure(error)
        }
        observers.finish(request, context: context, outcome: outcome)
        return try outcome.get()
    }
}

/// An ordered list of interceptors around a final step that talks to the server.
public final class InterceptorChain: Sendable {
    public let interceptors: [any RequestInterceptor]
    /// The interceptors, each sorted into wrapping, observing or repeating once.
    @usableFromInline let stages: [InterceptorStage]
    /// For each index into ``stages`` (and one past the end): whether every stage from there
    /// on only observes.
    @usableFromInline let onlyObserversFrom: [Bool]
    /// The step after the last interceptor; nil for a session's chain, which its session ends.
    @usableFromInline let terminal: (@Sendable (InterceptedRequest, InterceptorContext) async throws(MCPError) -> JSONObject)?

    /// A chain of `interceptors`, outermost first, around `terminal` (the step that sends).
    public init(
        _ interceptors: [any RequestInterceptor],
        terminal: @escaping @Sendable (InterceptedRequest, InterceptorContext) async throws(MCPError) -> JSONObject
    ) {
        self.interceptors = interceptors
        self.stages = interceptors.map(InterceptorStage.make)
        self.onlyObserversFrom = Self.onlyObservers(stages)
        self.terminal = terminal
    }

    /// A session's chain: ``run(_:_:session:)`` ends it with that session's send. (Not a
    /// closure over the session, which would need a weak reference to break the cycle, and
    /// two more frames per call.)
    init(sessionInterceptors interceptors: [any RequestInterceptor]) {
        self.interceptors = interceptors
        self.stages = interceptors.map(InterceptorStage.make)
        self.onlyObserversFrom = Self.onlyObservers(stages)
        self.terminal = nil
    }

    private static func onlyObservers(_ stages: [InterceptorStage]) -> [Bool] {
        var result = [Bool](repeating: true, count: stages.count + 1)
        for index in stages.indices.reversed() {
            result[index] = result[index + 1] && stages[index].kind == .observing
        }
        return result
    }

    /// Runs `request` through every interceptor, then the terminal step.
    @inlinable
    public func run(_ request: InterceptedRequest, _ context: InterceptorContext) async throws(MCPError) -> JSONObject {
        try await InterceptorNext(chain: self, index: 0, session: nil)(request, context)
    }

    /// Runs `request` through every interceptor, then `session`'s send.
    @inlinable
    func run(_ request: InterceptedRequest, _ context: InterceptorContext, session: ClientSession) async throws(MCPError) -> JSONObject {
        try await InterceptorNext(chain: self, index: 0, session: session)(request, context)
    }
}

/// What interceptors did during one call, in order, with times since the call began.
public final class CallTimeline: Sendable {
    public struct Entry: Sendable, Hashable {
        public var offset: Duration
        public var interceptor: String
        public var text: String
    }

    private let start = ContinuousClock.now
    private let storage = Mutex<[Entry]>([])

    public init() {}

    @usableFromInline
    func add(_ interceptor: String, _ text: String) {
        let entry = Entry(offset: ContinuousClock.now - start, interceptor: interceptor, text: text)
        storage.withLock { $0.append(entry) }
    }

    public var entries: [Entry] { storage.withLock { $0 } }
}
