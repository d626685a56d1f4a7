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
        var outcome: String
    }

    private struct TimerKey: Hashable {
        var server: String
        var method: String
        var tool: String?
    }

    private struct Handles {
        var calls: [CallKey: CoreMetrics.Counter] = [:]
        var timers: [TimerKey: CoreMetrics.Timer] = [:]
        var inFlight: [String: (count: Int, gauge: CoreMetrics.Gauge)] = [:]
        var other: [String: CoreMetrics.Counter] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
    }
    private let handles = Mutex(Handles())

    public init() {}

    /// One finished call.
    public func request(server: String, method: String, tool: String?, outcome: String, duration: Duration) {
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        let (counter, timer) = handles.withLock { handles -> (CoreMetrics.Counter, CoreMetrics.Timer) in
            let callKey = CallKey(server: server, method: method, tool: tool, outcome: outcome)
            let counter =
                handles.calls[callKey]
                ?? {
                    let made = CoreMetrics.Counter(
                        label: "switchboard_requests_total",
                        dimensions: [("server", server), ("method", method), ("tool", tool ?? ""), ("outcome", outcome)])
                    handles.calls[callKey] = made
                    return made
                }()
            let timerKey = TimerKey(server: server, method: method, tool: tool)
            let timer =
                handles.timers[timerKey]
                ?? {
                    let made = CoreMetrics.Timer(
                        label: "switchboard_request_duration_seconds",
                        dimensions: [("server", server), ("method", method), ("tool", tool ?? "")],
                        preferredDisplayUnit: .seconds)
                    handles.timers[timerKey] = made
                    return made
                }()
            return (counter, timer)
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }

    /// A call started (+1) or ended (-1).
    public func inFlight(server: String, delta: Int) {
        let (gauge, value) = handles.withLock { handles -> (CoreMetrics.Gauge, Int) in
            if var entry = handles.inFlight[server] {
                entry.count += delta
                handles.inFlight[server] = entry
                return (entry.gauge, entry.count)
            }
            let gauge = CoreMetrics.Gauge(label: "switchboard_requests_in_flight", dimensions: [("server", server)])
            handles.inFlight[server] = (delta, gauge)
            return (gauge, delta)
        }
        gauge.record(value)
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
        let counter = handles.withLock { handles -> CoreMetrics.Counter in
            let key = CallKey(server: server, method: "cache", tool: nil, outcome: hit ? "hit" : "miss")
            if let existing = handles.calls[key] { return existing }
            let made = CoreMetrics.Counter(label: "switchboard_cache_total", dimensions: [("server", server), ("result", hit ? "hit" : "miss")])
            handles.calls[key] = made
            return made
        }
        counter.increment()
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
