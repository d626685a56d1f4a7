import CoreMetrics
import SwitchboardConfiguration
import SwitchboardHub
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the gateway itself records, through swift-metrics (the upstream calls' own metrics come
/// from each server's interceptor chain, `switchboard_requests_total` and the rest):
///
/// - `switchboard_gateway_requests_total{method,era,principal,outcome}` and
///   `switchboard_gateway_request_duration_seconds{method,era}`, for every call, read and prompt;
/// - `switchboard_gateway_requests_in_flight`;
/// - `switchboard_gateway_authentication_failures_total{reason}`;
/// - `switchboard_gateway_denials_total{kind}` (`role`: hidden or unknown, `scope`: 403);
/// - `switchboard_gateway_audit_writable` (1 or 0) and `switchboard_gateway_audit_failures_total`;
/// - `switchboard_upstream_up{server}` (1 ready, 0 not) and `switchboard_upstream_ready`, as of
///   the scrape.
///
/// Principals are labels only up to ``principalLimit`` distinct names (API keys are few; token
/// subjects are not): the rest count as `other`, so a flood of subjects cannot blow up the
/// series count.
public final class GatewayMetrics: Sendable {
    public static let principalLimit = 50

    struct RequestKey: Hashable {
        var method: String
        var era: String
        var principal: String
        var outcome: String
    }

    struct DurationKey: Hashable {
        var method: String
        var era: String
    }

    struct Handles {
        var requests: [RequestKey: Counter] = [:]
        var durations: [DurationKey: Timer] = [:]
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
        var principals: Set<String> = []
    }

    let handles = Mutex(Handles())
    let inFlight = Atomic<Int>(0)
    let inFlightGauge = Gauge(label: "switchboard_gateway_requests_in_flight")

    public init() {}

    /// The era label of a request's protocol version.
    static func era(modern: Bool) -> String { modern ? "modern" : "legacy" }

    func begin() {
        inFlightGauge.record(inFlight.add(1, ordering: .relaxed).newValue)
    }

    /// One finished request of `method` by `principal`.
    func end(method: String, modern: Bool, principal: String, outcome: String, duration: Duration) {
        inFlightGauge.record(inFlight.add(-1, ordering: .relaxed).newValue)
        let era = Self.era(modern: modern)
        let (counter, timer) = handles.withLock { handles in
            let label: String
            if handles.principals.contains(principal) {
                label = principal
            } else if handles.principals.count < Self.principalLimit {
                handles.principals.insert(principal)
                label = principal
            } else {
                label = "other"
            }
            let key = RequestKey(method: method, era: era, principal: label, outcome: outcome)
            let counter =
                handles.requests[key]
                ?? Counter(
                    label: "switchboard_gateway_requests_total",
                    dimensions: [("method", method), ("era", era), ("principal", label), ("outcome", outcome)]
                )
            handles.requests[key] = counter
            let durationKey = DurationKey(method: method, era: era)
            let timer =
                handles.durations[durationKey]
                ?? Timer(
                    label: "switchboard_gateway_request_duration_seconds",
                    dimensions: [("method", method), ("era", era)],
                    preferredDisplayUnit: .seconds
                )
            handles.durations[durationKey] = timer
            return (counter, timer)
        }
        counter.increment()
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func authenticationFailed(_ reason: String) {
        counter("switchboard_gateway_authentication_failures_total", ("reason", reason)).increment()
        // A request without credentials is where a client's sign-in starts, and unreadable
        // keys are the authorization server's fault: neither is an attempt to guess.
        guard reason != "missing_credentials" && reason != "keys_unavailable" else { return }
        let now = Date().timeIntervalSince1970
        failureTimes.withLock { $0?.record(now) }
    }

    /// The latest bad credentials, for the burst alert (nil: that rule is off).
    let failureTimes = Mutex<FailureWindow?>(nil)

    func watchFailures(_ burst: GatewaySettings.AlertSettings.Burst?) {
        failureTimes.withLock { $0 = burst.map { FailureWindow(count: $0.count, windowSeconds: $0.windowSeconds) } }
    }

    /// Bad credentials within the burst window ending `now`.
    func recentFailures(now: Double) -> Int { failureTimes.withLock { $0?.recent(now: now) ?? 0 } }

    func denied(_ kind: String) {
        counter("switchboard_gateway_denials_total", ("kind", kind)).increment()
    }

    func auditWritten(_ written: Bool) {
        gauge("switchboard_gateway_audit_writable", nil).record(written ? 1 : 0)
        if !written { counter("switchboard_gateway_audit_failures_total", nil).increment() }
    }

    /// Brings the upstream gauges up to date with the hub, before a scrape.
    func recordUpstreams(_ statuses: [ServerStatus]) {
        var ready = 0
        for status in statuses where status.phase != .disabled {
            let up = AlertMonitor.isUp(status)
            if up { ready += 1 }
            gauge("switchboard_upstream_up", ("server", status.name)).record(up ? 1 : 0)
        }
        gauge("switchboard_upstream_ready", nil).record(ready)
    }

    func counter(_ label: String, _ dimension: (String, String)?) -> Counter {
        let key = label + (dimension.map { "|\($0.0)=\($0.1)" } ?? "")
        return handles.withLock { handles in
            if let existing = handles.counters[key] { return existing }
            let made = Counter(label: label, dimensions: dimension.map { [$0] } ?? [])
            handles.counters[key] = made
            return made
        }
    }

    func gauge(_ label: String, _ dimension: (String, String)?) -> Gauge {
        let key = label + (dimension.map { "|\($0.0)=\($0.1)" } ?? "")
        return handles.withLock { handles in
            if let existing = handles.gauges[key] { return existing }
            let made = Gauge(label: label, dimensions: dimension.map { [$0] } ?? [])
            handles.gauges[key] = made
            return made
        }
    }
}
