public import SwitchboardConfiguration

/// Which replica of a server takes the next call, and how each replica is doing: connected
/// or not, calls outstanding, recent latency (an exponentially weighted average), failures in
/// a row, and ejection. A pure value: no sessions, no I/O, no clock reads (callers pass
/// `now`), and randomness from a seeded generator, so every decision can be tested.
///
/// - Only connected replicas take calls. Ejected ones are passed over while their cool-down
///   lasts, unless every connected replica is ejected: then the least bad still beats refusing.
/// - `p2c` (power of two choices) compares two random candidates by outstanding calls weighted
///   by latency; a replica with no latency yet counts as fast, so a new one is tried.
///   `round-robin` takes turns; `least-outstanding` takes the least busy, breaking ties in turn.
/// - A call's end feeds its latency and health; a health check's answer ends an ejection and
///   is a latency sample too, so a replica slowed by one bad moment earns traffic back.
public struct ReplicaBalancer: Sendable {
    public struct Replica: Sendable, Hashable {
        public var connected = false
        public var outstanding = 0
        /// Recent latency in seconds, exponentially weighted; 0 until the first sample.
        public var latency: Double = 0
        public var consecutiveFailures = 0
        public var ejectedUntil: ContinuousClock.Instant?
        public var calls = 0
        public var failures = 0
        public var ejections = 0

        func isEjected(at now: ContinuousClock.Instant) -> Bool { ejectedUntil.map { $0 > now } ?? false }
    }

    public private(set) var replicas: [Replica]
    public let strategy: ServerSettings.Balancing
    public let health: HealthSettings
    private var nextTurn = 0
    /// Cheap randomness for p2c: a system generator costs a system call per number.
    private var random: SplitMix64

    /// The weight of the newest latency sample in the moving average.
    public static let latencyWeight = 0.3

    public init(replicas count: Int, strategy: ServerSettings.Balancing, health: HealthSettings, seed: UInt64) {
        precondition(count > 0 && count <= 64, "a server has 1 to 64 replicas")
        replicas = Array(repeating: Replica(), count: count)
        self.strategy = strategy
        self.health = health
        random = SplitMix64(seed: seed)
    }

    // MARK: Connections

    public mutating func connected(_ index: Int) {
        replicas[index].connected = true
    }

    public mutating func disconnected(_ index: Int) {
        replicas[index].connected = false
    }

    /// Calls outstanding on every replica together; zero when the server is idle.
    public var outstanding: Int { replicas.reduce(0) { $0 + $1.outstanding } }

    public func isEjected(_ index: Int, now: ContinuousClock.Instant) -> Bool { replicas[index].isEjected(at: now) }

    // MARK: Choosing

    /// The replica for the next call, not one in the `excluded` bit set, counted as outstanding
    /// until ``finish(_:latency:failed:now:)``; `nil` when none is connected. Allocates nothing:
    /// this is on every call's path.
    public mutating func pick(excluding excluded: UInt64 = 0, now: ContinuousClock.Instant) -> Int? {
        let count = replicas.count
        // Usable: connected and not excluded. Healthy: usable and not ejected.
        var usable = 0, healthy = 0
        var usableMask: UInt64 = 0, healthyMask: UInt64 = 0
        for index in 0..<count where replicas[index].connected && excluded & (1 << UInt64(index)) == 0 {
            usable += 1
            usableMask |= 1 << UInt64(index)
            if replicas[index].isEjected(at: now) { continue }
            healthy += 1
            healthyMask |= 1 << UInt64(index)
        }
        guard usable > 0 else { return nil }
        let mask = healthy > 0 ? healthyMask : usableMask
        let candidates = healthy > 0 ? healthy : usable
        let chosen: Int
        if candidates == 1 {
            chosen = Self.nth(0, in: mask, count: count)
        } else {
            switch strategy {
            case .roundRobin:
                chosen = Self.nth(nextTurn % candidates, in: mask, count: count)
                nextTurn &+= 1
            case .leastOutstanding:
                var best = -1
                let start = nextTurn % candidates
                nextTurn &+= 1
                for offset in 0..<candidates {
                    let index = Self.nth((start + offset) % candidates, in: mask, count: count)
                    if best < 0 || replicas[index].outstanding < replicas[best].outstanding { best = index }
                }
                chosen = best
            case .powerOfTwoChoices:
                let first = Int.random(in: 0..<candidates, using: &random)
                var second = Int.random(in: 0..<(candidates - 1), using: &random)
                if second >= first { second += 1 }
                let a = Self.nth(first, in: mask, count: count), b = Self.nth(second, in: mask, count: count)
                chosen = Self.cost(replicas[a]) <= Self.cost(replicas[b]) ? a : b
            }
        }
        replicas[chosen].outstanding += 1
        replicas[chosen].calls += 1
        return chosen
    }

    /// The `k`-th index (from 0) whose bit is set in `mask`.
    private static func nth(_ k: Int, in mask: UInt64, count: Int) -> Int {
        var seen = 0
        for index in 0..<count where mask & (1 << UInt64(index)) != 0 {
            if seen == k { return index }
            seen += 1
        }
        preconditionFailure("fewer than \(k + 1) candidates in the mask")
    }

    /// Outstanding calls weighted by recent latency: what p2c compares.
    static func cost(_ replica: Replica) -> Double {
        Double(replica.outstanding + 1) * max(replica.latency, 0.000_001)
    }

    // MARK: Outcomes

    /// A call on replica `index` ended after `latency`; `failed` when it counts against the
    /// replica's health (enough in a row eject it for the cool-down).
    public mutating func finish(_ index: Int, latency: Duration, failed: Bool, now: ContinuousClock.Instant) {
        precondition(replicas[index].outstanding > 0, "a call ends once, after it was picked")
        replicas[index].outstanding -= 1
        sample(index, latency: latency)
        if failed {
            replicas[index].failures += 1
            recordFailure(index, now: now)
        } else {
            replicas[index].consecutiveFailures = 0
        }
    }

    /// A health check of replica `index` answered (`healthy`) or not, after `latency`.
    public mutating func checked(_ index: Int, healthy: Bool, latency: Duration, now: ContinuousClock.Instant) {
        if healthy {
            replicas[index].consecutiveFailures = 0
            replicas[index].ejectedUntil = nil
            sample(index, latency: latency)
        } else {
            recordFailure(index, now: now)
        }
    }

    private mutating func sample(_ index: Int, latency: Duration) {
        let seconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18
        let average = replicas[index].latency
        replicas[index].latency = average == 0 ? seconds : average + Self.latencyWeight * (seconds - average)
    }

    private mutating func recordFailure(_ index: Int, now: ContinuousClock.Instant) {
        replicas[index].consecutiveFailures += 1
        guard replicas[index].consecutiveFailures >= health.ejectAfterFailures, !replicas[index].isEjected(at: now) else { return }
        replicas[index].ejectedUntil = now + .milliseconds(Int64(health.cooldownSeconds * 1000))
        replicas[index].ejections += 1
    }
}

/// SplitMix64: a tiny, fast, well-mixed generator (not for secrets; for choosing replicas).
struct SplitMix64: RandomNumberGenerator, Sendable {
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
