import MCPTransport
import Testing

/// The stdio process's life and its shutdown, as state machines with no processes: channels
/// and waiters are plain strings.
@Suite("Process lifecycle")
struct ProcessLifecycleTests {
    typealias Machine = ProcessLifecycle<String, String>
    static let exited = TransportError(.processExited, "exited (exited(3))", exitStatus: "exited(3)")
    static let restarting = StdioTransport.RestartPolicy(maximumRestarts: 2, window: .seconds(60), initialBackoff: .milliseconds(50))

    func started(_ policy: StdioTransport.RestartPolicy = .never) -> Machine {
        var machine = Machine(policy: policy)
        guard case .spawn(let generation) = machine.start(), case .use = machine.spawned(generation: generation, channel: "process 1") else {
            preconditionFailure("a fresh machine starts")
        }
        return machine
    }

    @Test("start, run, send, close, exit: the receiver hears a clean close once")
    func cleanLife() {
        var machine = started()
        guard case .use(let channel) = machine.send(now: .now, waiter: "w") else {
            Issue.record("a running process takes sends")
            return
        }
        #expect(channel == "process 1")
        guard case .stop(let stopping) = machine.close() else {
            Issue.record("closing a running process stops it")
            return
        }
        #expect(stopping == "process 1")
        guard case .closed(nil) = machine.processEnded(generation: 1, error: Self.exited) else {
            Issue.record("the end after close is a clean close")
            return
        }
        #expect(machine.isClosed)
        guard case .nothing = machine.close() else {
            Issue.record("a second close does nothing")
            return
        }
    }

    @Test("a process that exits on its own without a restart policy closes the transport with its error")
    func exitWithoutRestart() {
        var machine = started()
        guard case .closed(let error?) = machine.processEnded(generation: 1, error: Self.exited) else {
            Issue.record("expected a close with the exit")
            return
        }
        #expect(error.exitStatus == "exited(3)")
        guard case .fail(let failure) = machine.send(now: .now, waiter: "w") else {
            Issue.record("a closed transport refuses sends")
            return
        }
        #expect(failure.messageNotSent)
    }

    @Test("a closed transport never comes back: a restart that finishes after close is stopped, and its exit changes nothing")
    func noResurrection() {
        var machine = started(Self.restarting)
        guard case .connectionLost = machine.processEnded(generation: 1, error: Self.exited) else {
            Issue.record("with a restart policy an exit is a lost connection")
            return
        }
        guard case .restart(let generation, let delay) = machine.send(now: .now, waiter: "sender") else {
            Issue.record("the next send restarts")
            return
        }
        #expect(generation == 2)
        #expect(delay == .zero, "the first restart is immediate")
        guard case .awaitSpawn(let failing) = machine.close() else {
            Issue.record("closing during a restart waits for the spawn")
            return
        }
        #expect(failing == ["sender"])
        guard case .stop = machine.spawned(generation: 2, channel: "process 2") else {
            Issue.record("a process spawned after close is stopped")
            return
        }
        guard case .closed(nil) = machine.processEnded(generation: 2, error: Self.exited) else {
            Issue.record("its end completes the close")
            return
        }
        #expect(machine.isClosed)
        #expect(machine.channel == nil)
        guard case .fail = machine.send(now: .now, waiter: "late") else {
            Issue.record("still closed")
            return
        }
    }

    @Test("a restart that fails before close settles the close with no receiver left waiting")
    func restartFailsAfterClose() {
        var machine = started(Self.restarting)
        _ = machine.processEnded(generation: 1, error: Self.exited)
        _ = machine.send(now: .now, waiter: "sender")
        _ = machine.close()
        guard case .ignore = machine.spawnFailed(generation: 2, error: TransportError(.closed, "cancelled")) else {
            Issue.record("nobody waits for that spawn any more")
            return
        }
        let settled = machine.spawnSettledAfterClose()
        #expect(settled)
        #expect(machine.isClosed)
        let settledAgain = machine.spawnSettledAfterClose()
        #expect(!settledAgain, "told once")
    }

    @Test("a process that exits while starting fails the start instead of closing cleanly")
    func exitWhileStarting() {
        var machine = Machine(policy: .never)
        guard case .spawn(let generation) = machine.start() else {
            Issue.record("starts")
            return
        }
        guard case .closed(let error?) = machine.processEnded(generation: generation, error: Self.exited) else {
            Issue.record("an exit while starting is an error, not a clean close")
            return
        }
        #expect(error.code == .processExited)
    }

    @Test("each exit carries its own process's status; a stale process's exit is ignored")
    func exitStatusPerProcess() {
        var machine = started(Self.restarting)
        _ = machine.processEnded(generation: 1, error: Self.exited)
        guard case .restart(let generation, _) = machine.send(now: .now, waiter: "sender"),
            case .use(let waiters) = machine.spawned(generation: generation, channel: "process 2")
        else {
            Issue.record("restarts")
            return
        }
        #expect(waiters == ["sender"])
        guard case .ignore = machine.processEnded(generation: 1, error: Self.exited) else {
            Issue.record("the first process's exit is old news")
            return
        }
        let second = TransportError(.processExited, "killed", exitStatus: "unhandledException(9)")
        guard case .connectionLost(let error) = machine.processEnded(generation: 2, error: second) else {
            Issue.record("the second exits")
            return
        }
        #expect(error.exitStatus == "unhandledException(9)")
    }

    @Test("concurrent senders share one restart; backoff doubles; too many restarts is a crash loop")
    func restartsAndCrashLoop() {
        var machine = started(Self.restarting)
        let start = ContinuousClock.now
        _ = machine.processEnded(generation: 1, error: Self.exited)
        guard case .restart(let second, .zero) = machine.send(now: start, waiter: "a") else {
            Issue.record("first restart")
            return
        }
        guard case .wait = machine.send(now: start, waiter: "b") else {
            Issue.record("a second sender waits for the same restart")
            return
        }
        guard case .use(let resumed) = machine.spawned(generation: second, channel: "process 2") else {
            Issue.record("up")
            return
        }
        #expect(resumed == ["a", "b"])
        _ = machine.processEnded(generation: second, error: Self.exited)
        guard case .restart(let third, let delay) = machine.send(now: start + .seconds(1), waiter: "c") else {
            Issue.record("second restart")
            return
        }
        #expect(delay == .milliseconds(100))
        _ = machine.spawned(generation: third, channel: "process 3")
        _ = machine.processEnded(generation: third, error: Self.exited)
        guard case .fail(let error) = machine.send(now: start + .seconds(2), waiter: "d") else {
            Issue.record("a third exit within the window is a crash loop")
            return
        }
        #expect(error.code == .crashLoop)
        #expect(error.exitStatus == "exited(3)")
        #expect(machine.isClosed)
        #expect(machine.restartCount == 2)
    }

    @Test("a cancelled sender stops waiting for a restart; the others keep waiting")
    func cancelledWaiter() {
        var machine = started(Self.restarting)
        _ = machine.processEnded(generation: 1, error: Self.exited)
        _ = machine.send(now: .now, waiter: "a")
        _ = machine.send(now: .now, waiter: "b")
        let forgotten = machine.stopWaiting { $0 == "a" }
        #expect(forgotten == "a")
        guard case .use(let resumed) = machine.spawned(generation: 2, channel: "process 2") else {
            Issue.record("up")
            return
        }
        #expect(resumed == ["b"])
    }
}

@Suite("Shutdown sequence")
struct ShutdownSequenceTests {
    static let timings = ShutdownSequence.Timings(afterCloseStdin: .seconds(2), afterTerminate: .seconds(3), afterKill: .seconds(5))

    @Test("close stdin, then SIGTERM after its grace period, then SIGKILL, then give up")
    func escalation() {
        var sequence = ShutdownSequence(timings: Self.timings)
        var action: ShutdownSequence.Action
        let start = ContinuousClock.now
        #expect(sequence.deadline == nil)
        action = sequence.closeRequested(now: start)
        #expect(action == .closeStdin)
        #expect(sequence.deadline == start + .seconds(2))
        action = sequence.deadlinePassed(now: start + .seconds(1))
        #expect(action == .none, "not yet")
        action = sequence.deadlinePassed(now: start + .seconds(2))
        #expect(action == .signal(.terminate))
        #expect(sequence.deadline == start + .seconds(5))
        action = sequence.deadlinePassed(now: start + .seconds(5))
        #expect(action == .signal(.kill))
        #expect(sequence.step == .killed)
        action = sequence.deadlinePassed(now: start + .seconds(10))
        #expect(action == .finish)
        #expect(sequence.step == .finished)
        #expect(sequence.deadline == nil)
    }

    @Test("a server that exits after stdin closes gets no signal")
    func politeExit() {
        var sequence = ShutdownSequence(timings: Self.timings)
        var action: ShutdownSequence.Action
        let start = ContinuousClock.now
        action = sequence.closeRequested(now: start)
        #expect(action == .closeStdin)
        action = sequence.processExited()
        #expect(action == .finish)
        action = sequence.deadlinePassed(now: start + .seconds(60))
        #expect(action == .none)
        action = sequence.closeRequested(now: start + .seconds(60))
        #expect(action == .none, "nothing restarts a finished sequence")
    }

    @Test("asking twice to close does not restart the grace period")
    func closeTwice() {
        var sequence = ShutdownSequence(timings: Self.timings)
        var action: ShutdownSequence.Action
        let start = ContinuousClock.now
        _ = sequence.closeRequested(now: start)
        action = sequence.closeRequested(now: start + .seconds(1))
        #expect(action == .none)
        #expect(sequence.deadline == start + .seconds(2))
    }

    @Test("a process that exits on its own while running finishes at once")
    func exitWhileRunning() {
        var sequence = ShutdownSequence(timings: Self.timings)
        var action: ShutdownSequence.Action
        action = sequence.processExited()
        #expect(action == .finish)
        action = sequence.processExited()
        #expect(action == .none)
    }
}
