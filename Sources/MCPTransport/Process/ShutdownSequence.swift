/// How a spawned server is stopped, as the stdio transport page prescribes: close its stdin,
/// give it time to exit, then SIGTERM, give it time again, then SIGKILL.
///
/// A pure state machine: ``ProcessChannel``'s I/O thread feeds it what happens (a close was
/// asked for, the server closed its output, a deadline passed, the process exited) and does
/// what it returns. It never sleeps: the thread waits in `poll(2)` until ``deadline``.
package struct ShutdownSequence: Sendable {
    /// How long each step may take before the next, stronger one.
    package struct Timings: Sendable, Hashable {
        /// After stdin closes, how long the server has to exit by itself.
        package var afterCloseStdin: Duration
        /// After SIGTERM, how long before SIGKILL.
        package var afterTerminate: Duration
        /// After SIGKILL, how long to wait for the exit to be seen before giving up on it.
        package var afterKill: Duration

        package init(afterCloseStdin: Duration, afterTerminate: Duration, afterKill: Duration = .seconds(5)) {
            self.afterCloseStdin = afterCloseStdin
            self.afterTerminate = afterTerminate
            self.afterKill = afterKill
        }
    }

    package enum Step: Sendable, Equatable {
        /// Serving.
        case running
        /// stdin is closed; the server may exit by itself.
        case waitingForExit
        /// SIGTERM was sent.
        case terminated
        /// SIGKILL was sent.
        case killed
        /// The process is gone (or, after SIGKILL, given up on).
        case finished
    }

    package enum Signal: Sendable, Equatable {
        case terminate, kill
    }

    package enum Action: Sendable, Equatable {
        case none
        /// Write what is queued, then close the server's stdin.
        case closeStdin
        /// Send the signal to the process.
        case signal(Signal)
        /// Stop waiting for the process: it exited, or SIGKILL did not show an exit in time.
        case finish
    }

    package private(set) var step = Step.running
    /// When the current step's time runs out; `nil` while running or once finished.
    package private(set) var deadline: ContinuousClock.Instant?
    let timings: Timings

    package init(timings: Timings) {
        self.timings = timings
    }

    /// ``ProcessChannel/requestClose()`` was called, or the server closed its stdout (the
    /// connection is over either way): begin stopping it.
    package mutating func closeRequested(now: ContinuousClock.Instant) -> Action {
        guard step == .running else { return .none }
        step = .waitingForExit
        deadline = now + timings.afterCloseStdin
        return .closeStdin
    }

    /// The current deadline has passed: escalate.
    package mutating func deadlinePassed(now: ContinuousClock.Instant) -> Action {
        guard let deadline, now >= deadline else { return .none }
        switch step {
        case .waitingForExit:
            step = .terminated
            self.deadline = now + timings.afterTerminate
            return .signal(.terminate)
        case .terminated:
            step = .killed
            self.deadline = now + timings.afterKill
            return .signal(.kill)
        case .killed:
            return processExited()
        case .running, .finished:
            preconditionFailure("a deadline exists only while stopping")
        }
    }

    /// The process exited (its pidfd fired, or both its outputs ended where there is no pidfd).
    package mutating func processExited() -> Action {
        guard step != .finished else { return .none }
        step = .finished
        deadline = nil
        return .finish
    }
}
