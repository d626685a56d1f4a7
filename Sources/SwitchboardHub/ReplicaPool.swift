import MCPClient
import MCPWire
import SwitchboardConfiguration
import Synchronization

/// The replicas of one logical server: their sessions, load, latency and health, and the
/// choice of which one takes the next call.
///
/// Each replica has its own session, so whatever a session holds (a legacy HTTP session id,
/// a stdio process) stays with its replica: affinity comes from the structure, not a table.
final class ReplicaPool: Sendable {
    let endpoints: [EndpointDefinition]
    let balancing: ServerSettings.Balancing
    let health: HealthSettings
    private let state: Mutex<State>

    struct Replica {
        var session: ClientSession?
        var error: String?
        var outstanding = 0
        /// Recent latency in seconds, exponentially weighted; 0 until the first answer.
        var latency: Double = 0
        var consecutiveFailures = 0
        var ejectedUntil: ContinuousClock.Instant?
        var calls = 0
        var failures = 0
        var ejections = 0
    }

    struct State {
        var replicas: [Replica]
        var nextRoundRobin = 0
        var random = SystemRandomNumberGenerator()
    }

    init(endpoints: [EndpointDefinition], settings: ServerSettings) {
        self.endpoints = endpoints
        balancing = settings.balancing ?? .powerOfTwoChoices
        health = settings.health ?? HealthSettings()
        state = Mutex(State(replicas: Array(repeating: Replica(), count: endpoints.count)))
    }

    /// The weight of the newest latency sample in the moving average.
    static let latencyWeight = 0.3

    // MARK: Sessions

    /// The replicas without a session.
    var missing: [Int] { state.withLock { state in state.replicas.indices.filter { state.replicas[$0].session == nil } } }

    var sessions: [ClientSession] { state.withLock { $0.replicas.compactMap(\.session) } }

    func session(at index: Int) -> ClientSession? { state.withLock { $0.replicas[index].session } }

    /// A session of any connected replica (for listing, which all replicas answer alike).
    var anySession: ClientSession? { state.withLock { $0.replicas.lazy.compactMap(\.session).first } }

    /// The first connection error, for a server none of whose replicas connected.
    var firstError: String? { state.withLock { $0.replicas.lazy.compactMap(\.error).first } }

    func connected(_ index: Int, _ session: ClientSession) {
        state.withLock { state in
            state.replicas[index].session = session
            state.replicas[index].error = nil
        }
    }

    func failedToConnect(_ index: Int, _ message: String) {
        state.withLock { $0.replicas[index].error = message }
    }

    /// Takes every session away (for closing).
    func removeAll() -> [ClientSession] {
        state.withLock { state in
            defer { for index in state.replicas.indices { state.replicas[index].session = nil } }
            return state.replicas.compactMap(\.session)
        }
    }

    // MARK: Choosing

    /// The replica for the next call (not one of `excluded`), counted as outstanding until
    /// ``finish(_:latency:failed:)``; nil when none is connected.
    ///
    /// Ejected replicas are passed over while their cool-down lasts, unless every connected
    /// replica is ejected: then the least bad is still better than refusing the call.
    func acquire(excluding excluded: Set<Int> = []) -> (index: Int, session: ClientSession)? {
        let now = ContinuousClock.now
        return state.withLock { state -> (Int, ClientSession)? in
            let connected = state.replicas.indices.filter { state.replicas[$0].session != nil && !excluded.contains($0) }
            guard !connected.isEmpty else { return nil }
            let healthy = connected.filter { (state.replicas[$0].ejectedUntil ?? now) <= now }
            let candidates = healthy.isEmpty ? connected : healthy
            let chosen: Int
            switch balancing {
            case .roundRobin:
                chosen = candidates[state.nextRoundRobin % candidates.count]
                state.nextRoundRobin &+= 1
            case .leastOutstanding:
                let fewest = candidates.map { state.replicas[$0].outstanding }.min()!
                let tied = candidates.filter { state.replicas[$0].outstanding == fewest }
                chosen = tied[state.nextRoundRobin % tied.count]
                state.nextRoundRobin &+= 1
            case .powerOfTwoChoices:
                if candidates.count == 1 {
                    chosen = candidates[0]
                } else {
                    let first = Int.random(in: 0..<candidates.count, using: &state.random)
                    var second = Int.random(in: 0..<(candidates.count - 1), using: &state.random)
                    if second >= first { second += 1 }
                    let a = candidates[first], b = candidates[second]
                    chosen = Self.cost(state.replicas[a]) <= Self.cost(state.replicas[b]) ? a : b
                }
            }
            state.replicas[chosen].outstanding += 1
            state.replicas[chosen].calls += 1
            return (chosen, state.replicas[chosen].session!)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Outstanding calls weighted by recent latency: what p2c compares. A replica with no
    /// latency yet counts as fast, so a new one is tried.
    static func cost(_ replica: Replica) -> Double {
        Double(replica.outstanding + 1) * max(replica.latency, 0.000_001)
    }

    /// Records the end of a call on replica `index`: its latency, and whether it counts
    /// against the replica's health (enough in a row eject it for the cool-down).
    func finish(_ index: Int, latency: Duration, failed: Bool) {
        let seconds = Self.seconds(latency)
        state.withLock { state in
            var replica = state.replicas[index]
            replica.outstanding -= 1
            replica.latency = replica.latency == 0 ? seconds : replica.latency + Self.latencyWeight * (seconds - replica.latency)
            if failed {
                replica.failures += 1
                replica.consecutiveFailures += 1
                if replica.consecutiveFailures >= health.ejectAfterFailures, replica.ejectedUntil.map({ $0 <= .now }) ?? true {
                    replica.ejectedUntil = .now + .milliseconds(Int64(health.cooldownSeconds * 1000))
                    replica.ejections += 1
                }
            } else {
                replica.consecutiveFailures = 0
            }
            state.replicas[index] = replica
        }
    }

    /// The result of an active health check of replica `index`: success ends an ejection, and
    /// its round trip counts as a latency sample, so a replica whose average was raised by one
    /// slow moment (a restart) earns traffic back instead of being passed over forever by p2c.
    func checked(_ index: Int, healthy: Bool, latency: Duration) {
        let seconds = Self.seconds(latency)
        state.withLock { state in
            if healthy {
                state.replicas[index].consecutiveFailures = 0
                state.replicas[index].ejectedUntil = nil
                let average = state.replicas[index].latency
                state.replicas[index].latency = average == 0 ? seconds : average + Self.latencyWeight * (seconds - average)
            } else {
                state.replicas[index].consecutiveFailures += 1
                if state.replicas[index].consecutiveFailures >= health.ejectAfterFailures {
                    state.replicas[index].ejectedUntil = .now + .milliseconds(Int64(health.cooldownSeconds * 1000))
                }
            }
        }
    }

    /// Each replica's state, in endpoint order.
    var statuses: [ReplicaStatus] {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.replicas.enumerated().map { index, replica in
                ReplicaStatus(
                    endpoint: endpoints[index].description,
                    connected: replica.session != nil,
                    ejected: replica.ejectedUntil.map { $0 > now } ?? false,
                    error: replica.error,
                    outstanding: replica.outstanding,
                    calls: replica.calls,
                    failures: replica.failures,
                    ejections: replica.ejections,
                    latency: replica.latency == 0 ? nil : .microseconds(Int64(replica.latency * 1e6))
                )
            }
        }
    }
}

/// One replica's state.
public struct ReplicaStatus: Sendable {
    /// The command line or URL (secrets masked).
    public var endpoint: String
    public var connected: Bool
    /// Taken out of rotation after failures, until its cool-down ends or a health check passes.
    public var ejected: Bool
    /// Why it is not connected.
    public var error: String?
    public var outstanding: Int
    /// Calls sent to it, and how many of those failed.
    public var calls: Int
    public var failures: Int
    public var ejections: Int
    /// Recent (exponentially weighted) latency; nil before the first answer.
    public var latency: Duration?
}
