/// The life of a stdio server's process, across restarts: a pure state machine that
/// ``StdioTransport`` drives and whose actions it performs.
///
/// ```
/// idle ──start──▶ starting ──spawned──▶ running ──ended (may restart)──▶ exited
///                    │                    │  ▲                               │ send
///                    │ failed             │  └──────────spawned────── restarting
///                    ▼                    │ ended (no restart)               │ failed
///                  closed ◀──────────────┴─────── closing ◀── close ────────┘
/// ```
///
/// - Each process has a generation; what a process that is no longer current reports (a
///   late exit, a restart that finished after ``close()``) is recognised and never changes
///   the state back: a closed transport stays closed, and a process spawned after closing is
///   stopped at once.
/// - A process that exits while starting fails the start; one that exits while running is
///   lost (restartable) or ends the transport, with its own exit status.
/// - Restarts back off exponentially; too many within the policy's window is a crash loop,
///   which ends the transport.
///
/// Generic over the channel and over what a sender waits on, so it is tested with plain
/// values; the transport uses ``ProcessChannel`` and continuations.
package struct ProcessLifecycle<Channel, Waiter> {
    package enum State {
        case idle
        case starting(generation: Int)
        case running(Channel, generation: Int)
        /// Ended on its own; the next send starts it again.
        case exited(TransportError)
        /// A new process is on its way (after a back-off); senders wait for it.
        case restarting(generation: Int, waiters: [Waiter])
        /// ``close()`` was called: the process (if any) is being stopped.
        case closing
        case closed(TransportError?)
    }

    package private(set) var state = State.idle
    private var generation = 0
    /// When each restart within the window happened, for crash-loop detection.
    private var restartTimes: [ContinuousClock.Instant] = []
    package private(set) var restartCount = 0
    let policy: StdioTransport.RestartPolicy

    package init(policy: StdioTransport.RestartPolicy) {
        self.policy = policy
    }

    // MARK: Starting

    package enum StartAction {
        /// Spawn process `generation`.
        case spawn(generation: Int)
        case fail(TransportError)
    }

    package mutating func start() -> StartAction {
        guard case .idle = state else { return .fail(TransportError(.closed, "the stdio transport was already started", messageNotSent: true)) }
        generation += 1
        state = .starting(generation: generation)
        return .spawn(generation: generation)
    }

    package enum SpawnedAction {
        /// The process is current: use it; resume these senders with it.
        case use(resume: [Waiter])
        /// The transport closed meanwhile (or the process is stale): stop this process.
        case stop
    }

    /// Process `generation` is up with `channel`.
    package mutating func spawned(generation: Int, channel: Channel) -> SpawnedAction {
        switch state {
        case .starting(let current) where current == generation:
            state = .running(channel, generation: generation)
            return .use(resume: [])
        case .restarting(let current, let waiters) where current == generation:
            state = .running(channel, generation: generation)
            return .use(resume: waiters)
        default:
            return .stop
        }
    }

    package enum SpawnFailedAction {
        /// Fail the start, or these waiting senders, with the error.
        case fail(TransportError, waiters: [Waiter])
        /// Nothing waits for this process any more.
        case ignore
    }

    /// Process `generation` could not be started.
    package mutating func spawnFailed(generation: Int, error: TransportError) -> SpawnFailedAction {
        switch state {
        case .starting(let current) where current == generation:
            state = .closed(error)
            return .fail(error, waiters: [])
        case .restarting(let current, let waiters) where current == generation:
            // The next send tries again (within the crash-loop budget).
            state = .exited(error)
            return .fail(error, waiters: waiters)
        default:
            return .ignore
        }
    }

    // MARK: A process ends

    package enum EndedAction {
        /// The connection was lost; the transport goes on (the next send restarts the process).
        case connectionLost(TransportError)
        /// The transport is over: tell the receiver, with the error (nil after ``close()``).
        case closed(TransportError?)
        /// A process that is not current ended; nothing changes.
        case ignore
    }

    /// Process `generation` exited, with `error` describing how (its own exit status).
    package mutating func processEnded(generation: Int, error: TransportError) -> EndedAction {
        switch state {
        case .running(_, let current) where current == generation:
            if policy.maximumRestarts > 0 {
                state = .exited(error)
                return .connectionLost(error)
            }
            state = .closed(error)
            return .closed(error)
        case .starting(let current) where current == generation:
            // Exited before it was ever up: a failed start, not a clean close.
            state = .closed(error)
            return .closed(error)
        case .closing:
            state = .closed(nil)
            return .closed(nil)
        default:
            return .ignore
        }
    }

    // MARK: Sending

    package enum SendAction {
        case use(Channel)
        /// Start process `generation` after `delay`, then resume the waiters; this sender waits too.
        case restart(generation: Int, delay: Duration)
        /// A restart is under way: wait for it.
        case wait
        case fail(TransportError)
    }

    /// A message is about to be sent; `waiter` is how this sender would wait for a restart.
    package mutating func send(now: ContinuousClock.Instant, waiter: @autoclosure () -> Waiter) -> SendAction {
        switch state {
        case .running(let channel, _):
            return .use(channel)
        case .restarting(let current, var waiters):
            waiters.append(waiter())
            state = .restarting(generation: current, waiters: waiters)
            return .wait
        case .idle, .starting:
            return .fail(TransportError(.closed, "the stdio transport is not running", messageNotSent: true))
        case .closing, .closed:
            return .fail(TransportError(.closed, "the stdio transport is closed", messageNotSent: true))
        case .exited(let last):
            let window = policy.window
            restartTimes.removeAll { now - $0 > window }
            guard restartTimes.count < policy.maximumRestarts else {
                let failure = TransportError(
                    .crashLoop,
                    "exited \(restartTimes.count + 1) times within \(policy.window); giving up (last: \(last.message))",
                    exitStatus: last.exitStatus,
                    stderrTail: last.stderrTail,
                    messageNotSent: true
                )
                state = .closed(failure)
                return .fail(failure)
            }
            let exponent = restartTimes.count
            restartTimes.append(now)
            restartCount += 1
            var backoff = policy.initialBackoff
            for _ in 0..<exponent { backoff = min(backoff * 2, policy.maximumBackoff) }
            generation += 1
            state = .restarting(generation: generation, waiters: [waiter()])
            return .restart(generation: generation, delay: exponent == 0 ? .zero : backoff)
        }
    }

    /// A sender stopped waiting for the restart (it was cancelled): forget its waiter.
    package mutating func stopWaiting(where matches: (Waiter) -> Bool) -> Waiter? {
        guard case .restarting(let current, var waiters) = state, let index = waiters.firstIndex(where: matches) else { return nil }
        let waiter = waiters.remove(at: index)
        state = .restarting(generation: current, waiters: waiters)
        return waiter
    }

    // MARK: Closing

    package enum CloseAction {
        /// Stop this channel's process and wait for it to end.
        case stop(Channel)
        /// A process is being spawned: it will be stopped when it is up. Fail these senders.
        case awaitSpawn(failing: [Waiter])
        /// Nothing runs: tell the receiver the transport is closed.
        case closed
        /// Already closing or closed.
        case nothing
    }

    package mutating func close() -> CloseAction {
        switch state {
        case .running(let channel, _):
            state = .closing
            return .stop(channel)
        case .starting:
            state = .closing
            return .awaitSpawn(failing: [])
        case .restarting(_, let waiters):
            state = .closing
            return .awaitSpawn(failing: waiters)
        case .idle, .exited:
            state = .closed(nil)
            return .closed
        case .closing, .closed:
            return .nothing
        }
    }

    /// The process being spawned when ``close()`` was called ended (or never started): the
    /// transport is now closed. Returns whether the receiver must still be told.
    package mutating func spawnSettledAfterClose() -> Bool {
        guard case .closing = state else { return false }
        state = .closed(nil)
        return true
    }

    /// Whether the transport is closed for good.
    package var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// The running channel, if any.
    package var channel: Channel? {
        if case .running(let channel, _) = state { return channel }
        return nil
    }
}
