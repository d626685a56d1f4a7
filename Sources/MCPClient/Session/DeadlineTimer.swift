import JSONCore
import JSONSchema
import Logging
import MCPTransport
import MCPWire
import Synchronization

/// One timer for all the deadlines of a session.
///
/// It sleeps until the earliest deadline in flight, then asks the session to expire what is
/// due. Because each request's deadline is usually later than those before it, registering a
/// request rarely touches the timer; only an earlier deadline wakes it to re-arm. Requests
/// therefore pay for no timer of their own.
final class DeadlineTimer: Sendable {
    private struct State {
        var armedFor: ClockInstant?
        var wakeUp: CheckedContinuation<Void, Never>?
        var pendingWake = false
        var stopped = false
    }
    private let state = Mutex(State())

    /// Tells the timer a deadline exists; wakes it if this one is earlier than what it sleeps for.
    func arm(for deadline: ClockInstant) {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let armed = state.armedFor, armed <= deadline { return nil }
            state.armedFor = deadline
            state.pendingWake = true
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        continuation?.resume()
    }

    func stop() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.stopped = true
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        continuation?.resume()
    }

    /// Runs until stopped. `expire` removes what is due and returns the next deadline.
    func run(expire: @Sendable (ContinuousClock.Instant) -> ContinuousClock.Instant?) async {
        var next: ClockInstant? = nil
        while true {
            let target: ClockInstant? = state.withLock { state in
                if state.stopped { return nil }
                state.pendingWake = false
                if let next, state.armedFor.map({ next < $0 }) ?? true { state.armedFor = next }
                return state.armedFor
            }
            if state.withLock({ $0.stopped }) { return }
            if let target {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await Task.sleep(until: target.instant, clock: .continuous) }
                    group.addTask { await self.waitForWake() }
                    await group.next()
                    group.cancelAll()
                    self.interruptWait()
                }
            } else {
                await waitForWake()
            }
            let now = ClockInstant.now
            state.withLock { state in
                if let armed = state.armedFor, armed <= now { state.armedFor = nil }
            }
            next = expire(now.instant).map(ClockInstant.init)
        }
    }

    private func waitForWake() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.stopped || state.pendingWake || Task.isCancelled { return true }
                    state.wakeUp = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.interruptWait()
        }
    }

    private func interruptWait() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        continuation?.resume()
    }
}
