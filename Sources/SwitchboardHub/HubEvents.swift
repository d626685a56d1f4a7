import CoreMetrics
public import SwitchboardConfiguration
import Synchronization

/// Something that happened to the hub's servers: for logs, alerts and the console.
public enum HubEvent: Sendable {
    /// A server connected and its catalog was listed.
    case serverReady(server: String, tools: Int)
    /// No replica of a server could be connected (it is tried again when the hub maintains itself).
    case serverFailed(server: String, error: String)
    /// A replica's connection broke with requests in flight; a stdio server is restarted on the next request.
    case replicaLost(server: String, endpoint: String, error: String)
    /// A replica's legacy HTTP session expired (404) and was initialized again, transparently.
    case sessionReestablished(server: String, endpoint: String)
    /// A replica's process kept exiting right after starting; it is left out until a reload.
    case replicaCrashLooped(server: String, endpoint: String, error: String)
    /// An ejected replica passed a health check and is back in rotation.
    case replicaRestored(server: String, endpoint: String)
    /// A server's catalog was listed again (list_changed, or its ttlMs ran out).
    case catalogRefreshed(server: String, tools: Int)
    /// A new configuration was applied.
    case reloaded(added: [String], removed: [String], changed: [String])
    /// A new configuration was refused; the running one stays.
    case reloadRejected([ConfigDiagnostic])

    /// The event's kind, as a metric dimension.
    public var kind: String {
        switch self {
        case .serverReady: "server_ready"
        case .serverFailed: "server_failed"
        case .replicaLost: "replica_lost"
        case .sessionReestablished: "session_reestablished"
        case .replicaCrashLooped: "replica_crash_loop"
        case .replicaRestored: "replica_restored"
        case .catalogRefreshed: "catalog_refreshed"
        case .reloaded: "reloaded"
        case .reloadRejected: "reload_rejected"
        }
    }

    /// The server it is about, if one.
    public var server: String? {
        switch self {
        case .serverReady(let server, _), .serverFailed(let server, _), .replicaLost(let server, _, _), .sessionReestablished(let server, _),
            .replicaCrashLooped(let server, _, _), .replicaRestored(let server, _), .catalogRefreshed(let server, _):
            server
        case .reloaded, .reloadRejected: nil
        }
    }
}

/// Fans hub events out to every listener and counts each one as
/// `switchboard_hub_events_total{event, server}`.
final class HubEvents: Sendable {
    private let listeners = Mutex<(next: Int, continuations: [Int: AsyncStream<HubEvent>.Continuation])>((0, [:]))

    func stream() -> AsyncStream<HubEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: HubEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let key = listeners.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in _ = self?.listeners.withLock { $0.continuations.removeValue(forKey: key) } }
        return stream
    }

    func emit(_ event: HubEvent) {
        Counter(label: "switchboard_hub_events_total", dimensions: [("event", event.kind), ("server", event.server ?? "")]).increment()
        for continuation in listeners.withLock({ Array($0.continuations.values) }) { continuation.yield(event) }
    }

    func finish() {
        for continuation in listeners.withLock({ Array($0.continuations.values) }) { continuation.finish() }
    }
}
