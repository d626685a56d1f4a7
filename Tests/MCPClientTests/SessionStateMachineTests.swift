import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import Testing

/// The client session's lifecycle as a state machine, with no I/O: waiters and subscribers are
/// plain strings.
@Suite("Client session state")
struct SessionStateMachineTests {
    typealias Machine = SessionStateMachine<String, String>

    static func entry(_ method: String = "tools/call") -> PendingRequests<String>.Entry {
        let now = ContinuousClock.now
        return .init(
            deadline: now + .seconds(60),
            timeout: .seconds(60),
            hardDeadline: now + .seconds(60),
            onProgress: nil,
            resetOnProgress: false,
            method: method
        )
    }

    static let negotiation = ClientSession.Negotiation(
        protocolVersion: .v2025_11_25,
        serverInfo: nil,
        capabilities: ServerCapabilities(),
        instructions: nil,
        supportedVersions: [.v2025_11_25]
    )

    func ready() -> Machine {
        var machine = Machine()
        _ = machine.start()
        machine.negotiated(Self.negotiation)
        return machine
    }

    @Test("start once; negotiating makes it ready")
    func starting() {
        var machine = Machine()
        let first = machine.start()
        let second = machine.start()
        #expect(first && !second)
        #expect(machine.phase == .connecting)
        machine.negotiated(Self.negotiation)
        #expect(machine.phase == .ready)
    }

    @Test("the transport closing ends the session: callers fail, streams finish with the cause, tasks are cancelled")
    func transportCloses() {
        var machine = ready()
        _ = machine.requests.register(.int(1), entry: Self.entry())
        _ = machine.requests.attach(.int(1), "caller")
        _ = machine.subscribe("events reader")
        let cause = MCPError(.transportClosed, "the server process exited")
        let ending = machine.finish(cause)
        #expect(ending.failing.map(\.continuation) == ["caller"])
        #expect(ending.finishing == ["events reader"])
        #expect(ending.error?.message == "the server process exited")
        #expect(machine.phase == .closed)
        #expect(machine.isEnded)
        let again = machine.finish(nil)
        #expect(again.failing.isEmpty && again.finishing.isEmpty, "the end happens once")
    }

    @Test("a stream asked for after the session ended finishes at once, with how it ended")
    func lateSubscriber() {
        var machine = ready()
        _ = machine.finish(MCPError(.transportClosed, "gone"))
        guard case .finishNow(let endedBy) = machine.subscribe("late reader") else {
            Issue.record("a late subscriber must not be kept waiting")
            return
        }
        #expect(endedBy?.message == "gone")
        #expect(machine.currentSubscribers.isEmpty)
    }

    @Test("an owner's close is a clean end, whatever the transport reports meanwhile")
    func ownerCloses() {
        var machine = ready()
        _ = machine.subscribe("reader")
        let first = machine.closeRequested()
        let second = machine.closeRequested()
        #expect(first && !second)
        guard case .finishNow(nil) = machine.subscribe("reader during close") else {
            Issue.record("nothing new subscribes while closing")
            return
        }
        let ending = machine.finish(MCPError(.transportClosed, "stdin closed"))
        #expect(ending.error == nil)
        #expect(ending.finishing == ["reader"])
        let registered = machine.requests.register(.int(2), entry: Self.entry())
        #expect(registered?.code == .transportClosed, "a request after the end fails at once")
    }

    @Test("a lost connection fails what is in flight and asks a legacy server for the handshake again; the session goes on")
    func connectionLost() {
        var machine = ready()
        _ = machine.requests.register(.int(3), entry: Self.entry())
        _ = machine.requests.attach(.int(3), "caller")
        let failed = machine.connectionLost(MCPError(.transportClosed, "restarted"))
        #expect(failed.map(\.continuation) == ["caller"])
        #expect(machine.phase == .ready)
        let needed = machine.takeHandshakeNeeded()
        let neededAgain = machine.takeHandshakeNeeded()
        #expect(needed && !neededAgain)
    }

    @Test("unsubscribing stops delivery to that reader only")
    func unsubscribing() {
        var machine = ready()
        guard case .registered(let first) = machine.subscribe("a"), case .registered = machine.subscribe("b") else {
            Issue.record("both register")
            return
        }
        machine.unsubscribe(first)
        #expect(machine.currentSubscribers == ["b"])
    }
}
