import CoreMetrics
import MCPClient
import Synchronization

/// The metrics Switchboard records, through swift-metrics (so any backend works; the CLI and
/// the gateway use Prometheus). Handles are made once per label set and reused; lookups use
/// typed keys, so recording a call builds no strings.
///
/// - `switchboard_requests_total{server,method,tool,outcome}`
/// - `switchboard_request_duration_seconds{server,method,tool}`
/// - `switchboard_requests_in_flight{server}`
/// - `switchboard_breaker_state{server,tool}` (0 closed, 1 half-open, 2 open) and
///   `switchboard_breaker_transitions_total{server,tool,state}`
/// - `switchboard_cache_total{server,result}` (hit, miss), `switchboard_cache_evictions_total`,
///   `switchboard_cache_entries` and `switchboard_cache_bytes`
public final class SwitchboardMetrics: Sendable {
    /// The metrics of this process.
    public static let shared = SwitchboardMetrics()

    private struct CallKey: Hashable {
        var server: String
        var method: String
        var tool: String?
    }

    /// The metric handles of one server, method and tool, made once and then used without
    /// looking anything up: a call costs one lock and one hash (in ``calls(server:method:tool:)``).
    public final class CallHandles: Sendable {
        let server: String
        let method: String
        let tool: String?
        let timer: CoreMetrics.Timer
        let succeeded: CoreMetrics.Counter
        /// Counters of the other outcomes, made when first needed.
        let outcomes = Mutex<[String: CoreMetrics.Counter]>([:])
        let inFlight: InFlight

        init(server: String, method: String, tool: String?, inFlight: InFlight) {
            self.server = server
            self.method = method
            self.tool = tool
            self.inFlight = inFlight
            self.timer = CoreMetrics.Timer(
                label: "switchboard_request_duration_seconds",
                dimensions: [("server", server), ("method", method), ("tool", tool ?? "")],
                preferredDisplayUnit: .seconds
            )
            self.succeeded = Self.counter(server, method, tool, "ok")
        }

        static func counter(_ server: String, _ method: String, _ tool: String?, _ outcome: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(
                label: "switchboard_requests_total",
                dimensions: [("server", server), ("method", method), ("tool", tool ?? ""), ("outcome", outcome)]
            )
        }

        /// A call started.
        public func begin() { inFlight.add(1) }

        /// A call ended with `outcome` after `duration`.
        public func end(outcome: String, duration: Duration) {
            end(outcome: outcome, nanoseconds: duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        }

        /// A call ended with `outcome` after `nanoseconds`.
        public func end(outcome: String, nanoseconds: Int64) {
            inFlight.add(-1)
            record(outcome: outcome, nanoseconds: nanoseconds)
        }

        /// Counts and times a call without touching the in-flight gauge.
        func record(outcome: String, duration: Duration) {
            record(outcome: outcome, nanoseconds: duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        }

        func record(outcome: String, nanoseconds: Int64) {
            let counter =
                outcome == "ok"
                ? succeeded
                : outcomes.withLock { outcomes in
                    if let existing = outcomes[outcome] { return existing }
                    let made = Self.counter(server, method, tool, outcome)
                    outcomes[outcome] = made
                    return made
                }
            counter.increment()
            timer.recordNanoseconds(nanoseconds)
        }
    }

    /// Calls in flight to one server: an atomic count behind its gauge.
    final class InFlight: Sendable {
        let count = Atomic<Int>(0)
        let gauge: CoreMetrics.Gauge

        init(server: String) {
            gauge = CoreMetrics.Gauge(label: "switchboard_requests_in_flight", dimensions: [("server", server)])
        }

        func add(_ delta: Int) {
            gauge.record(count.add(delta, ordering: .relaxed).newValue)
        }
    }

    private struct Handles {
        var calls: [CallKey: CallHandles] = [:]
        /// The handles last asked for.
        var last: CallHandles?
        var inFlight: [String: InFlight] = [:]
        var other: [String: CoreMetrics.Counter] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var cacheResults: [String: (hit: CoreMetrics.Counter, miss: CoreMetrics.Counter)] = [:]
    }
    private let handles = Mutex(Handles())

    public init() {}

    /// The handles for calls of `method` (and `tool`) to `server`.
    public func calls(server: String, method: String, tool: String?) -> CallHandles {
        handles.withLock { handles in
            // A session's calls mostly repeat the last one: compare before hashing.
            if let last = handles.last, last.server == server, last.method == method, last.tool == tool { return last }
            let key = CallKey(server: server, method: method, tool: tool)
            if let existing = handles.calls[key] {
                handles.last = existing
                return existing
            }
            let inFlight = handles.inFlight[server] ?? InFlight(server: server)
            handles.inFlight[server] = inFlight
            let made = CallHandles(server: server, method: method, tool: tool, inFlight: inFlight)
            handles.calls[key] = made
            handles.last = made
            return made
        }
    }

    /// One finished call (for callers that did not hold its handles from the start).
    public func request(server: String, method: String, tool: String?, outcome: String, duration: Duration) {
        calls(server: server, method: method, tool: tool).record(outcome: outcome, duration: duration)
    }

    public func breakerChanged(server: String, tool: String?, state: CircuitBreaker.State) {
        let value: Int
        switch state {
        case .closed: value = 0
        case .halfOpen: value = 1
        case .open: value = 2
        }
        gauge("switchboard_breaker_state", [("server", server), ("tool", tool ?? "")]).record(value)
        counter("switchboard_breaker_transitions_total", [("server", server), ("tool", tool ?? ""), ("state", state.rawValue)]).increment()
    }

    public func cache(server: String, hit: Bool) {
        let counters = handles.withLock { handles in
            if let existing = handles.cacheResults[server] { return existing }
            let made = (
                hit: CoreMetrics.Counter(label: "switchboard_cache_total", dimensions: [("server", server), ("result", "hit")]),
                miss: CoreMetrics.Counter(label: "switchboard_cache_total", dimensions: [("server", server), ("result", "miss")])
            )
            handles.cacheResults[server] = made
            return made
        }
        (hit ? counters.hit : counters.miss).increment()
    }

    /// The cache's size after a change, and the entries it evicted to make room.
    public func cacheSize(entries: Int, bytes: Int, evicted: Int) {
        gauge("switchboard_cache_entries", []).record(entries)
        gauge("switchboard_cache_bytes", []).record(bytes)
        if evicted > 0 { counter("switchboard_cache_evictions_total", []).increment(by: evicted) }
    }

    /// Rare metrics (breaker changes, cache results) keyed by their text.
    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return handles.withLock { handles in
            if let existing = handles.other[key] { return existing }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions)
            handles.other[key] = made
            return made
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return handles.withLock { handles in
            if let existing = handles.gauges[key] { return existing }
            let made = CoreMetrics.Gauge(label: label, dimensions: dimensions)
            handles.gauges[key] = made
            return made
        }
    }

    /// The outcome label of a call's error.
    static func outcome(_ error: MCPError) -> String { error.code.description }
}
