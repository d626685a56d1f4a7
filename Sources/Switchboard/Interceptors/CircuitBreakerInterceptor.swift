public import JSONCore
public import MCPClient
import Synchronization

/// Stops calling a server (or a tool) that keeps failing, and fails fast instead, with an
/// error that says when to try again (``MCPError/Code/circuitOpen``, ``MCPError/retryAfter``).
///
/// Each state change is an event on ``events()`` and is counted in metrics. It only observes
/// and refuses, so the chain runs it without an asynchronous frame of its own.
public final class CircuitBreakerInterceptor: ObservingInterceptor {
    /// One state change.
    public struct Event: Sendable, Hashable {
        public var server: String
        /// The tool, when breakers are per tool.
        public var tool: String?
        public var state: CircuitBreaker.State
    }

    public let name = "breaker"
    public let policy: CircuitBreaker.Policy
    /// Whether each tool has its own breaker (otherwise one per server).
    public let perTool: Bool
    /// The breakers by key, each changed in place under the lock.
    private let breakers = Mutex(RecentKeyed<CircuitBreaker>())
    private let subscribers = Mutex<[Int: AsyncStream<Event>.Continuation]>([:])
    private let counter = Atomic<Int>(0)
    private let metrics: SwitchboardMetrics

    public init(policy: CircuitBreaker.Policy = CircuitBreaker.Policy(), perTool: Bool = false, metrics: SwitchboardMetrics = .shared) {
        self.policy = policy
        self.perTool = perTool
        self.metrics = metrics
    }

    /// The state of the breaker for `server` (and `tool`, when per tool).
    public func state(server: String, tool: String? = nil) -> CircuitBreaker.State {
        breakers.withLock { $0.value(for: key(server, tool))?.state ?? .closed }
    }

    /// State changes from now on.
    public func events() -> AsyncStream<Event> {
        let id = counter.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    private func key(_ server: String, _ tool: String?) -> String {
        perTool ? server + "\u{0}" + (tool ?? "") : server
    }

    public func willSend(_ request: InterceptedRequest, context: InterceptorContext) throws(MCPError) -> ObservationMark {
        let tool = perTool ? request.toolName : nil
        let key = key(context.server, tool)
        let (decision, opened) = acquire(key)
        if let opened { announce(Event(server: context.server, tool: tool, state: opened)) }
        if case .reject(let retryAfter) = decision {
            context.note(name, "open: refused")
            throw MCPError(
                .circuitOpen,
                "the circuit breaker for \(context.server)\(tool.map { "/\($0)" } ?? "") is open after repeated failures; try again in \(retryAfter)",
                retryAfter: retryAfter
            )
        }
        let probe = decision == .probe
        context.note(name, probe ? "half-open: probing" : "closed: passed")
        // The flag: whether this call is the half-open probe.
        return ObservationMark(flag: probe)
    }

    public func didFinish(_ request: InterceptedRequest, context: InterceptorContext, mark: ObservationMark, outcome: Result<JSONObject, MCPError>) {
        let key = key(context.server, perTool ? request.toolName : nil)
        let probe = mark.flag
        switch outcome {
        case .success:
            record(key, failure: false, probe: probe, server: context.server, request: request)
        case .failure(let error) where error.code == .cancelled:
            // Neither a success nor a failure: free the probe slot.
            if probe { cancelProbe(key) }
        case .failure(let error):
            record(key, failure: error.countsAgainstServer, probe: probe, server: context.server, request: request)
        }
    }

    private func acquire(_ key: String) -> (CircuitBreaker.Decision, transition: CircuitBreaker.State?) {
        breakers.withLock { breakers in
            breakers.withValue(for: key, orMake: { CircuitBreaker(policy: policy) }) { $0.acquire(now: .now) }
        }
    }

    private func cancelProbe(_ key: String) {
        breakers.withLock { breakers in
            breakers.withValue(for: key, orMake: { CircuitBreaker(policy: policy) }) { $0.cancelProbe() }
        }
    }

    private func record(_ key: String, failure: Bool, probe: Bool, server: String, request: InterceptedRequest) {
        let transition: CircuitBreaker.State? = breakers.withLock { breakers in
            breakers.withValue(for: key, orMake: { CircuitBreaker(policy: policy) }) { $0.record(failure: failure, probe: probe, now: .now) }
        }
        // The tool is looked up only for the rare change of state.
        if let transition { announce(Event(server: server, tool: perTool ? request.toolName : nil, state: transition)) }
    }

    private func announce(_ event: Event) {
        metrics.breakerChanged(server: event.server, tool: event.tool, state: event.state)
        for subscriber in subscribers.withLock({ Array($0.values) }) { subscriber.yield(event) }
    }
}
