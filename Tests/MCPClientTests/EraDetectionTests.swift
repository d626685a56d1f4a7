import JSONCore
import MCPClient
import MCPWire
import Testing

/// Era detection as a state machine, with no I/O: every order in which the probe, the probe
/// time and `initialize` can answer.
@Suite("Era detection")
struct EraDetectionTests {
    static let version = ProtocolVersion.latest
    static let discovered = ClientSession.DiscoverOutcome.modern(
        DiscoverResult(supportedVersions: [version], capabilities: ServerCapabilities(), serverInfo: nil)
    )
    static let initialized = InitializeResult(
        protocolVersion: ProtocolVersion("2025-11-25"),
        capabilities: ServerCapabilities(),
        serverInfo: Implementation(name: "s", version: "1")
    )
    static let methodNotFound = MCPError(rpc: JSONRPCError(code: ErrorCode.methodNotFound, message: "no such method"), while: "server/discover")
    static let servingModern = MCPError(
        rpc: JSONRPCError(
            code: ErrorCode.unsupportedProtocolVersion,
            message: "connection is serving the 2026-07-28 protocol",
            data: UnsupportedVersionData(supported: [version], requested: nil).jsonValue
        ),
        while: "initialize"
    )

    @Test("a probe answered in time settles modern, and nothing else is sent")
    func probeAnswersInTime() {
        var machine = EraDetection(version: Self.version)
        #expect(isModern(machine.handle(.discoverAnswered(Self.discovered))))
        #expect(!machine.initializeSent)
        #expect(isWait(machine.handle(.probeTimeElapsed)))
        #expect(!machine.initializeSent)
    }

    @Test("a legacy refusal of the probe sends initialize at once, without waiting for the probe time")
    func legacyRefusal() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.discoverAnswered(.notModern(Self.methodNotFound)))))
        #expect(isWait(machine.handle(.probeTimeElapsed)))
        guard case .legacy(let result) = machine.handle(.initializeAnswered(.success(Self.initialized))) else {
            Issue.record("expected legacy")
            return
        }
        #expect(result.protocolVersion == ProtocolVersion("2025-11-25"))
    }

    @Test("a probe that answers after the probe time, while initialize is under way, still makes the session modern")
    func lateProbeWins() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        #expect(isModern(machine.handle(.discoverAnswered(Self.discovered))))
        // The refusal of initialize that follows is ignored.
        #expect(isWait(machine.handle(.initializeAnswered(.failure(Self.servingModern)))))
    }

    @Test("initialize refused as modern while the probe is pending waits for the probe")
    func modernRefusalWaitsForProbe() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        #expect(isWait(machine.handle(.initializeAnswered(.failure(Self.servingModern)))))
        #expect(!machine.isSettled)
        #expect(isModern(machine.handle(.discoverAnswered(Self.discovered))))
    }

    @Test("initialize refused as modern after the probe failed probes again with the versions it named")
    func modernRefusalAfterProbeFailed() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        let timedOut = MCPError(.timeout, "server/discover timed out")
        #expect(isWait(machine.handle(.discoverAnswered(.notModern(timedOut)))))
        guard case .modern(.unsupported(let versions)) = machine.handle(.initializeAnswered(.failure(Self.servingModern))) else {
            Issue.record("expected a modern verdict naming versions")
            return
        }
        #expect(versions == [Self.version])
    }

    @Test("a modern refusal recorded before the probe fails settles modern when the probe fails")
    func recordedModernRefusalThenProbeFails() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        let refusal = MCPError(rpc: JSONRPCError(code: ErrorCode.headerMismatch, message: "header mismatch"), while: "initialize")
        #expect(isWait(machine.handle(.initializeAnswered(.failure(refusal)))))
        guard case .modern(.unsupported(let versions)) = machine.handle(.discoverAnswered(.notModern(Self.methodNotFound))) else {
            Issue.record("expected modern")
            return
        }
        // The refusal named no versions: the probe's own version is tried again.
        #expect(versions == [Self.version])
    }

    @Test("a silent legacy server: the probe time sends initialize, whose result settles legacy")
    func silentLegacyServer() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        #expect(isLegacy(machine.handle(.initializeAnswered(.success(Self.initialized)))))
        #expect(isWait(machine.handle(.discoverAnswered(.notModern(MCPError(.timeout, "late"))))))
    }

    @Test("initialize failing for another reason waits for the probe, then reports initialize's error")
    func otherInitializeFailure() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        let refused = MCPError(rpc: JSONRPCError(code: ErrorCode.invalidParams, message: "bad client info"), while: "initialize")
        #expect(isWait(machine.handle(.initializeAnswered(.failure(refused)))))
        guard case .fail(let error) = machine.handle(.discoverAnswered(.notModern(Self.methodNotFound))) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.rpcError?.code == ErrorCode.invalidParams)
    }

    @Test("a closed connection fails detection at once, whatever is pending")
    func closedConnection() {
        var machine = EraDetection(version: Self.version)
        #expect(isSendInitialize(machine.handle(.probeTimeElapsed)))
        guard case .fail(let error) = machine.handle(.discoverAnswered(.notModern(MCPError(.transportClosed, "gone")))) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.code == .transportClosed)
        #expect(machine.isSettled)
        #expect(isWait(machine.handle(.initializeAnswered(.success(Self.initialized)))))
    }

    private func isWait(_ action: EraDetection.Action) -> Bool { if case .wait = action { true } else { false } }
    private func isSendInitialize(_ action: EraDetection.Action) -> Bool { if case .sendInitialize = action { true } else { false } }
    private func isModern(_ action: EraDetection.Action) -> Bool { if case .modern = action { true } else { false } }
    private func isLegacy(_ action: EraDetection.Action) -> Bool { if case .legacy = action { true } else { false } }
}
