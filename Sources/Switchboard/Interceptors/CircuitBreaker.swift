/// A circuit breaker as a pure state machine: events in, decisions out, no clocks or I/O of
/// its own (the caller passes the time).
///
/// - **Closed**: calls pass; outcomes fill a sliding window of the last ``Policy/windowSize``
///   calls. It opens when at least ``Policy/minimumCalls`` are in the window and the failure
///   rate reaches ``Policy/failureRateThreshold``, or after ``Policy/consecutiveFailures``
///   failures in a row.
/// - **Open**: calls are refused until ``Policy/openDuration`` has passed.
/// - **Half-open**: up to ``Policy/halfOpenProbes`` calls go through as probes; as many
///   successes close it, one failure opens it again.
public struct CircuitBreaker: Sendable {
    public struct Policy: Sendable, Hashable {
        public var failureRateThreshold: Double
        public var minimumCalls: Int
        public var windowSize: Int
        public var consecutiveFailures: Int
        public var openDuration: Duration
        public var halfOpenProbes: Int

        public init(
            failureRateThreshold: Double = 0.5,
            minimumCalls: Int = 10,
            windowSize: Int = 50,
            consecutiveFailures: Int = 5,
            openDuration: Duration = .seconds(5),
            halfOpenProbes: Int = 1
        ) {
            self.failureRateThreshold = failureRateThreshold
            self.minimumCalls = max(1, minimumCalls)
            self.windowSize = max(1, windowSize)
            self.consecutiveFailures = max(1, consecutiveFailures)
            self.openDuration = openDuration
            self.halfOpenProbes = max(1, halfOpenProbes)
        }
    }

    public enum State: String, Sendable, Hashable, CustomStringConvertible {
        case closed, open
        case halfOpen = "half-open"
        public var description: String { rawValue }
    }

    public enum Decision: Sendable, Hashable {
        case allow
        /// Let through as one of the half-open probes.
        case probe
        case reject(retryAfter: Duration)
    }

    public let policy: Policy
    public private(set) var state: State = .closed
    /// The last outcomes, as a ring of fixed size (true = failure); `windowCount` are in use.
    private var window: [Bool]
    private var windowCount = 0
    private var windowStart = 0
    private var failuresInWindow = 0
    private var consecutive = 0
    private var openUntil: ContinuousClock.Instant?
    private var probesInFlight = 0
    private var probeSuccesses = 0

    public init(policy: Policy = Policy()) {
        self.policy = policy
        self.window = [Bool](repeating: false, count: policy.windowSize)
    }

    /// Whether a call may go ahead now; may move open to half-open. Returns the transition too.
    /// `now` is read only when the breaker is open (a closed one, the common case, needs no clock).
    public mutating func acquire(now: @autoclosure () -> ContinuousClock.Instant) -> (Decision, transition: State?) {
        switch state {
        case .closed:
            return (.allow, nil)
        case .open:
            let now = now()
            guard let until = openUntil, now >= until else {
                return (.reject(retryAfter: (openUntil ?? now) - now), nil)
            }
            state = .halfOpen
            probesInFlight = 1
            probeSuccesses = 0
            return (.probe, .halfOpen)
        case .halfOpen:
            guard probesInFlight + probeSuccesses < policy.halfOpenProbes else {
                return (.reject(retryAfter: .milliseconds(100)), nil)
            }
            probesInFlight += 1
            return (.probe, nil)
        }
    }

    /// Records how a call that was let through ended. Returns the new state if it changed.
    /// `now` is read only when the breaker opens.
    public mutating func record(failure: Bool, probe: Bool, now: @autoclosure () -> ContinuousClock.Instant) -> State? {
        if probe {
            probesInFlight = max(0, probesInFlight - 1)
            guard state == .halfOpen else { return nil }
            if failure {
                open(now: now())
                return .open
            }
            probeSuccesses += 1
            if probeSuccesses >= policy.halfOpenProbes {
                reset()
                return .closed
            }
            return nil
        }
        guard state == .closed else { return nil }
        append(failure)
        consecutive = failure ? consecutive + 1 : 0
        let count = windowCount
        let rateTripped = count >= policy.minimumCalls && Double(failuresInWindow) / Double(count) >= policy.failureRateThreshold
        if rateTripped || consecutive >= policy.consecutiveFailures {
            open(now: now())
            return .open
        }
        return nil
    }

    /// Frees a probe slot without counting an outcome (the probe was cancelled).
    public mutating func cancelProbe() {
        probesInFlight = max(0, probesInFlight - 1)
    }

    /// The share of failures among the calls in the window.
    public var failureRate: Double { windowCount == 0 ? 0 : Double(failuresInWindow) / Double(windowCount) }

    private mutating func append(_ failure: Bool) {
        if windowCount < policy.windowSize {
            window[(windowStart + windowCount) % policy.windowSize] = failure
            windowCount += 1
        } else {
            if window[windowStart] { failuresInWindow -= 1 }
            window[windowStart] = failure
            windowStart = (windowStart + 1) % policy.windowSize
        }
        if failure { failuresInWindow += 1 }
    }

    private mutating func open(now: ContinuousClock.Instant) {
        state = .open
        openUntil = now + policy.openDuration
        probesInFlight = 0
        probeSuccesses = 0
    }

    private mutating func reset() {
        state = .closed
        windowCount = 0
        windowStart = 0
        failuresInWindow = 0
        consecutive = 0
        openUntil = nil
        probesInFlight = 0
        probeSuccesses = 0
    }
}
