import MCPClient
import MCPTransport
import MCPWire
import SwitchboardConfiguration
import Synchronization

/// The replicas of one logical server: their sessions and the tasks following them, around a
/// ``ReplicaBalancer`` that decides which replica takes each call. This type does the I/O
/// (sessions, waiting); the decisions are the balancer's, under the same lock.
///
/// Each replica has its own session, so whatever a session holds (a legacy HTTP session id,
/// a stdio process) stays with its replica: affinity comes from the structure, not a table.
final class ReplicaPool: Sendable {
    let endpoints: [Endpoint]
    let health: HealthSettings
    private let state: Mutex<State>

    struct Slot {
        var session: ClientSession?
        /// Why it is not connected, for tables (with the server's last stderr lines).
        var error: String?
        /// The typed error its last connection attempt failed with.
        var failure: MCPError?
        /// Set when the replica's process kept crashing: it is not reconnected (until a reload).
        var givenUp = false
        /// Tasks following the session's notifications and events.
        var followers: [Task<Void, Never>] = []
        var connectionsLost = 0
    }

    struct State {
        var balancer: ReplicaBalancer
        var slots: [Slot]
        /// Drains waiting for the last outstanding call to end.
        var idleWaiters: [ContinuationSlot<Void>] = []
    }

    init(endpoints: [Endpoint], settings: ServerSettings) {
        self.endpoints = endpoints
        health = settings.health ?? HealthSettings()
        let balancer = ReplicaBalancer(
            replicas: endpoints.count,
            strategy: settings.balancing ?? .powerOfTwoChoices,
            health: health,
            seed: UInt64.random(in: .min ... .max)
        )
        state = Mutex(State(balancer: balancer, slots: Array(repeating: Slot(), count: endpoints.count)))
    }

    // MARK: Sessions

    /// The replicas without a session that may be connected again.
    var missing: [Int] {
        state.withLock { state in state.slots.indices.filter { state.slots[$0].session == nil && !state.slots[$0].givenUp } }
    }

    var sessions: [ClientSession] { state.withLock { $0.slots.compactMap(\.session) } }

    func session(at index: Int) -> ClientSession? { state.withLock { $0.slots[index].session } }

    /// A session of any connected replica (for listing, which all replicas answer alike). It
    /// is not counted as a call: balancing and latency are left as they were.
    var anySession: ClientSession? { state.withLock { $0.slots.lazy.compactMap(\.session).first } }

    /// A session of a connected replica, preferring one that is not ejected; not counted as a
    /// call, so balancing and latency are left as they were.
    var healthySession: ClientSession? {
        let now = ContinuousClock.now
        return state.withLock { state in
            let connected = state.slots.indices.filter { state.slots[$0].session != nil }
            let healthy = connected.first { !state.balancer.isEjected($0, now: now) }
            return (healthy ?? connected.first).flatMap { state.slots[$0].session }
        }
    }

    /// The first connection failure, for a server none of whose replicas connected.
    var firstFailure: (error: MCPError, message: String)? {
        state.withLock { state in
            state.slots.lazy.compactMap { slot in slot.failure.map { ($0, slot.error ?? $0.message) } }.first
        }
    }

    func connected(_ index: Int, _ session: ClientSession) {
        state.withLock { state in
            state.slots[index].session = session
            state.slots[index].error = nil
            state.slots[index].failure = nil
            state.balancer.connected(index)
        }
    }

    func failedToConnect(_ index: Int, _ error: MCPError, message: String) {
        state.withLock { state in
            state.slots[index].error = message
            state.slots[index].failure = error
        }
    }

    func follow(_ index: Int, tasks: [Task<Void, Never>]) {
        // The previous session's followers ended with its streams; keep only this one's.
        state.withLock { $0.slots[index].followers = tasks }
    }

    /// The connection of replica `index` was lost with requests in flight; the session stays
    /// (its next request restarts a stdio server).
    func lostConnection(_ index: Int) {
        state.withLock { $0.slots[index].connectionsLost += 1 }
    }

    /// The session of replica `index` closed with `error`; the replica is reconnected later
    /// unless `permanently` (a crash loop), when its error stays on show.
    func disconnected(_ index: Int, _ session: ClientSession, error: String, permanently: Bool) {
        state.withLock { state in
            guard state.slots[index].session === session else { return }
            state.slots[index].session = nil
            state.slots[index].error = error
            state.slots[index].givenUp = permanently
            state.balancer.disconnected(index)
        }
    }

    func isEjected(_ index: Int) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { $0.balancer.isEjected(index, now: now) }
    }

    /// Waits until no call is outstanding (at most `limit`), then closes every session. The
    /// wait ends on the last call's end, an event, not a poll.
    func drain(within limit: Duration) async {
        let idle = ContinuationSlot<Void>()
        let busy = state.withLock { state -> Bool in
            guard state.balancer.outstanding > 0 else { return false }
            state.idleWaiters.append(idle)
            return true
        }
        if busy { _ = try? await idle.wait(atMost: limit) { .success(()) } }
        await close()
    }

    /// Stops following the sessions and closes them.
    func close() async {
        let (sessions, followers) = state.withLock { state in
            defer {
                for index in state.slots.indices {
                    state.slots[index].session = nil
                    state.slots[index].followers = []
                    state.balancer.disconnected(index)
                }
            }
            return (state.slots.compactMap(\.session), state.slots.flatMap(\.followers))
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

    /// The replica the balancer picks for the next call, with its session.
    func acquire(excluding excluded: UInt64 = 0) -> (index: Int, session: ClientSession)? {
        let now = ContinuousClock.now
        return state.withLock { state -> (Int, ClientSession)? in
            guard let index = state.balancer.pick(excluding: excluded, now: now) else { return nil }
            return (index, state.slots[index].session!)
        }
    }

    /// Records the end of a call on replica `index`; the last call to end wakes the drains.
    func finish(_ index: Int, latency: Duration, failed: Bool) {
        let now = ContinuousClock.now
        let waiters = state.withLock { state -> [ContinuationSlot<Void>] in
            state.balancer.finish(index, latency: latency, failed: failed, now: now)
            guard state.balancer.outstanding == 0 else { return [] }
            defer { state.idleWaiters.removeAll() }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume(returning: ()) }
    }

    /// The result of an active health check of replica `index`.
    func checked(_ index: Int, healthy: Bool, latency: Duration) {
        let now = ContinuousClock.now
        state.withLock { $0.balancer.checked(index, healthy: healthy, latency: latency, now: now) }
    }

    /// Each replica's state, in endpoint order.
    var statuses: [ReplicaStatus] {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.slots.enumerated().map { index, slot in
                let replica = state.balancer.replicas[index]
                return ReplicaStatus(
                    endpoint: endpoints[index].description,
                    connected: slot.session != nil,
                    ejected: replica.isEjected(at: now),
                    error: slot.error,
                    outstanding: replica.outstanding,
                    calls: replica.calls,
                    failures: replica.failures,
                    ejections: replica.ejections,
                    latency: replica.latency == 0 ? nil : .microseconds(Int64(replica.latency * 1e6)),
                    restarts: (slot.session?.transport as? StdioTransport)?.restartCount ?? 0,
                    connectionsLost: slot.connectionsLost
                )
            }
        }
    }
}
