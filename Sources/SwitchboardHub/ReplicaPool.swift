import MCPClient
import MCPTransport
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
        /// Set when the replica's process kept crashing: it is not reconnected (until a reload).
        var givenUp = false
        /// Tasks following the session's notifications and events.
        var followers: [Task<Void, Never>] = []
        var connectionsLost = 0
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
        /// Cheap randomness for p2c: a system generator costs a system call per number.
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
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

    /// The replicas without a session that may be connected again.
    var missing: [Int] {
        state.withLock { state in state.replicas.indices.filter { state.replicas[$0].session == nil && !state.replicas[$0].givenUp } }
    }

    var sessions: [ClientSession] { state.withLock { $0.replicas.compactMap(\.session) } }

    func session(at index: Int) -> ClientSession? { state.withLock { $0.replicas[index].session } }

    /// A session of any connected replica (for listing, which all replicas answer alike). It
    /// is not counted as a call: balancing and latency are left as they were.
    var anySession: ClientSession? { state.withLock { $0.replicas.lazy.compactMap(\.session).first } }

    /// A session of a connected replica, preferring one that is not ejected; not counted as a
    /// call, so balancing and latency are left as they were.
    var healthySession: ClientSession? {
        let now = ContinuousClock.now
        return state.withLock { state in
            let connected = state.replicas.filter { $0.session != nil }
            let healthy = connected.first { $0.ejectedUntil.map { $0 <= now } ?? true }
            return (healthy ?? connected.first)?.session
        }
    }

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

    func follow(_ index: Int, tasks: [Task<Void, Never>]) {
        // The previous session's followers ended with its streams; keep only this one's.
        state.withLock { $0.replicas[index].followers = tasks }
    }

    /// The connection of replica `index` was lost with requests in flight; the session stays
    /// (its next request restarts a stdio server).
    func lostConnection(_ index: Int) {
        state.withLock { $0.replicas[index].connectionsLost += 1 }
    }

    /// The session of replica `index` closed with `error`; the replica is reconnected later
    /// unless `permanently` (a crash loop), when its error stays on show.
    func disconnected(_ index: Int, _ session: ClientSession, error: String, permanently: Bool) {
        state.withLock { state in
            guard state.replicas[index].session === session else { return }
            state.replicas[index].session = nil
            state.replicas[index].error = error
            state.replicas[index].givenUp = permanently
        }
    }

    func isEjected(_ index: Int) -> Bool {
        state.withLock { state in state.replicas[index].ejectedUntil.map { $0 > .now } ?? false }
    }

    /// Waits until no call is outstanding (at most `limit`), then closes every session.
    func drain(within limit: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while state.withLock({ $0.replicas.contains { $0.outstanding > 0 } }), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await close()
    }

    /// Stops following the sessions and closes them.
    func close() async {
        let (sessions, followers) = state.withLock { state in
            defer {
                for index in state.replicas.indices {
                    state.replicas[index].session = nil
                    state.replicas[index].followers = []
                }
            }
            return (state.replicas.compactMap(\.session), state.replicas.flatMap(\.followers))
        }
        for task in followers { task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for session in sessions { group.addTask { await session.close() } }
        }
    }

    // MARK: Calling

    /// Runs `operation` on the next replica and, when `mayTryAgain` allows it for the failure
    /// (see ``CallSafety``), on another, until one answers, none is left, or the deadline
    /// passes.
    ///
    /// Every attempt shares one deadline: `requested` when the caller gave one, else the
    /// first replica's timeout from now. Failover never starts a fresh one.
    func perform<Value>(
        deadline requested: ContinuousClock.Instant?,
        timeout: Duration?,
        mayTryAgain: (MCPError, ClientSession) -> Bool,
        _ operation: (ClientSession, ContinuousClock.Instant) async throws(MCPError) -> Value,
        unavailable: () -> MCPError
    ) async throws(MCPError) -> Value {
        var tried: UInt64 = 0
        var lastError: MCPError?
        var deadline = requested
        let clock = ContinuousClock()
        while let (index, session) = acquire(excluding: tried) {
            tried |= 1 << UInt64(index)
            let start = clock.now
            let shared = deadline ?? start + (timeout ?? session.configuration.defaultTimeout)
            deadline = shared
            do {
                let value = try await operation(session, shared)
                finish(index, latency: clock.now - start, failed: false)
                return value
            } catch {
                finish(index, latency: clock.now - start, failed: error.countsAgainstServer)
                guard mayTryAgain(error, session), clock.now < shared else { throw error }
                lastError = error
            }
        }
        throw lastError ?? unavailable()
    }

    // MARK: Choosing

    /// The replica for the next call (not one in the `excluded` bit set), counted as
    /// outstanding until ``finish(_:latency:failed:)``; nil when none is connected.
    ///
    /// Ejected replicas are passed over while their cool-down lasts, unless every connected
    /// replica is ejected: then the least bad is still better than refusing the call. Nothing
    /// is allocated: this is on every call's path.
    func acquire(excluding excluded: UInt64 = 0) -> (index: Int, session: ClientSession)? {
        state.withLock { state -> (Int, ClientSession)? in
            let count = state.replicas.count
            var now: ContinuousClock.Instant?
            // Usable: connected and not excluded. Healthy: usable and not ejected.
            var usable = 0, healthy = 0
            var usableMask: UInt64 = 0, healthyMask: UInt64 = 0
            for index in 0..<count where state.replicas[index].session != nil && excluded & (1 << UInt64(index)) == 0 {
                usable += 1
                usableMask |= 1 << UInt64(index)
                if let until = state.replicas[index].ejectedUntil {
                    if now == nil { now = .now }
                    if until > now! { continue }
                }
                healthy += 1
                healthyMask |= 1 << UInt64(index)
            }
            guard usable > 0 else { return nil }
            let mask = healthy > 0 ? healthyMask : usableMask
            let candidates = healthy > 0 ? healthy : usable
            /// The `k`-th index (from 0) whose bit is set in `mask`.
            func nth(_ k: Int) -> Int {
                var seen = 0
                for index in 0..<count where mask & (1 << UInt64(index)) != 0 {
                    if seen == k { return index }
                    seen += 1
                }
                return 0
            }
            let chosen: Int
            if candidates == 1 {
                chosen = nth(0)
            } else {
                switch balancing {
                case .roundRobin:
                    chosen = nth(state.nextRoundRobin % candidates)
                    state.nextRoundRobin &+= 1
                case .leastOutstanding:
                    var best = -1
                    let start = state.nextRoundRobin % candidates
                    state.nextRoundRobin &+= 1
                    for offset in 0..<candidates {
                        let index = nth((start + offset) % candidates)
                        if best < 0 || state.replicas[index].outstanding < state.replicas[best].outstanding { best = index }
                    }
                    chosen = best
                case .powerOfTwoChoices:
                    let first = Int.random(in: 0..<candidates, using: &state.random)
                    var second = Int.random(in: 0..<(candidates - 1), using: &state.random)
                    if second >= first { second += 1 }
                    let a = nth(first), b = nth(second)
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
                    latency: replica.latency == 0 ? nil : .microseconds(Int64(replica.latency * 1e6)),
                    restarts: (replica.session?.transport as? StdioTransport)?.restartCount ?? 0,
                    connectionsLost: replica.connectionsLost
                )
            }
        }
    }
}

/// SplitMix64: a tiny, fast, well-mixed generator (not for secrets; for choosing replicas).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
    /// Times its process was started again after exiting.
    public var restarts: Int
    /// Times its connection was lost with requests in flight.
    public var connectionsLost: Int
}
