import CoreMetrics
import MCPClient
import Synchronization

/// The metrics Switchboard records, through swift-metrics (so any backend works; the CLI and
/// the gateway use Prometheus). Handles are made once per label set and reused.
///
/// - `switchboard_requests_total{server,method,tool,outcome}`
/// - `switchboard_request_duration_seconds{server,method,tool}`
/// - `switchboard_requests_in_flight{server}`
/// - `switchboard_breaker_state{server,tool}` (0 closed, 1 half-open, 2 open) and
///   `switchboard_breaker_transitions_total{server,tool,state}`
/// - `switchboard_cache_total{server,result}` (hit, miss)
public final class SwitchboardMetrics: Sendable {
    /// The metrics of this process.
    public static let shared = SwitchboardMetrics()

    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let inFlight = Mutex<[String: Int]>([:])

    public init() {}

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions)
            counters[key] = made
            return made
        }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Timer {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return timers.withLock { timers in
            if let existing = timers[key] { return existing }
            let made = CoreMetrics.Timer(label: label, dimensions: dimensions, preferredDisplayUnit: .seconds)
            timers[key] = made
            return made
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return gauges.withLock { gauges in
            if let existing = gauges[key] { return existing }
            let made = CoreMetrics.Gauge(label: label, dimensions: dimensions)
            gauges[key] = made
            return made
        }
    }

    /// One finished call.
    public func request(server: String, method: String, tool: String?, outcome: String, duration: Duration) {
        counter("switchboard_requests_total", [("server", server), ("method", method), ("tool", tool ?? ""), ("outcome", outcome)])
            .increment()
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        timer("switchboard_request_duration_seconds", [("server", server), ("method", method), ("tool", tool ?? "")])
            .recordNanoseconds(nanoseconds)
    }

    /// A call started (+1) or ended (-1).
    public func inFlight(server: String, delta: Int) {
        let value = inFlight.withLock { counts -> Int in
            counts[server, default: 0] += delta
            return counts[server]!
        }
        gauge("switchboard_requests_in_flight", [("server", server)]).record(value)
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
        counter("switchboard_cache_total", [("server", server), ("result", hit ? "hit" : "miss")]).increment()
    }

    /// The outcome label of a call's error.
    static func outcome(_ error: MCPError) -> String { error.code.description }
}
