import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import Synchronization
import TestSupport
import Testing

/// A server process that dies, hangs, writes garbage or sends huge messages: the client
/// fails fast with a typed error, keeps what it can, and never hangs.
@Suite("Faults over stdio")
struct StdioFaultTests {
    static func connect(timeout: Duration = .seconds(10)) async throws -> ClientSession {
        try Peers.require(Peers.python)
        let transport = StdioTransport(ProcessConfiguration(command: Peers.python, arguments: [Peers.pythonScript("fault_server.py")]))
        return try await ClientSession.connect(transport: transport, configuration: ClientConfiguration(defaultTimeout: timeout))
    }

    @Test("the server exiting mid-call gives a typed error with its exit status and stderr, not a hang", .timeLimit(.minutes(1)))
    func exitMidCall() async throws {
        // A deadline far beyond the test's time limit: only the exit can end these calls in time.
        let session = try await Self.connect(timeout: .seconds(600))
        let others = Task { try await session.callTool("hang") }
        await #expect {
            try await session.callTool("exit")
        } throws: { error in
            guard let error = error as? MCPError, error.code == .transportClosed else { return false }
            return error.transportError?.exitStatus?.contains("3") == true
                && error.transportError?.stderrTail.contains("fault server: exiting on purpose") == true
        }
        // Every other request in flight fails too.
        await #expect { try await others.value } throws: { ($0 as? MCPError)?.code == .transportClosed }
        // Later calls fail at once rather than hang.
        await #expect { try await session.callTool("ok") } throws: { ($0 as? MCPError)?.code == .transportClosed }
        await session.close()
    }

    @Test("a server that never answers hits the deadline, and the session survives")
    func neverAnswers() async throws {
        let session = try await Self.connect(timeout: .seconds(600))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect {
            try await session.callTool("hang", options: RequestOptions(timeout: .milliseconds(300)))
        } throws: { error in
            // The per-call deadline ended it, not the session's 600-second default.
            guard let error = error as? MCPError, error.code == .timeout else { return false }
            return error.timedOutAfterSeconds.map { $0 < 1 } == true
        }
        #expect(clock.now - start >= .milliseconds(300))
        #expect(try await session.callTool("ok").text == "ok done")
        #expect(session.requestsInFlight == 0)
        await session.close()
    }

    @Test("a garbage line on stdout is reported and the session goes on")
    func garbageLine() async throws {
        let session = try await Self.connect()
        let events = session.events()
        #expect(try await session.callTool("garbage").text == "garbage done")
        #expect(session.malformedMessages == 1)
        var sawMalformed = false
        for await event in events {
            if case .malformedMessage(let error) = event {
                sawMalformed = error.code == .malformedMessage && error.message.contains("this is not json")
                break
            }
        }
        #expect(sawMalformed)
        #expect(try await session.callTool("ok").text == "ok done")
        await session.close()
    }

    @Test("a 10 MiB message arrives whole")
    func bigMessage() async throws {
        let session = try await Self.connect()
        let result = try await session.callTool("big")
        #expect(result.text.utf8.count == 10 * 1024 * 1024)
        #expect(result.text.allSatisfy { $0 == "x" })
        await session.close()
    }

    @Test("stderr is captured apart from the protocol")
    func stderrCaptured() async throws {
        try Peers.require(Peers.python)
        let lines = LineCollector()
        let transport = StdioTransport(
            ProcessConfiguration(command: Peers.python, arguments: [Peers.pythonScript("fault_server.py")]),
            options: StdioTransport.Options(stderrHandler: { lines.append($0) })
        )
        let session = try await ClientSession.connect(transport: transport)
        #expect(try await session.callTool("stderr").text == "stderr done")
        #expect(session.malformedMessages == 0)
        await session.close()
        #expect(lines.lines.contains("fault server: a line on stderr"))
        #expect(transport.stderrTail.contains("fault server: a line on stderr"))
    }

    @Test("a command that does not exist fails to connect with a message naming it")
    func missingCommand() async throws {
        let transport = StdioTransport(ProcessConfiguration(command: "no-such-mcp-server-xyz"))
        await #expect {
            try await ClientSession.connect(transport: transport)
        } throws: { error in
            guard let error = error as? MCPError else { return false }
            return error.code == .connectionFailed && error.message.contains("no-such-mcp-server-xyz")
        }
    }

    @Test("with a restart policy, a server that died is started again on the next call")
    func restartOnNextCall() async throws {
        try Peers.require(Peers.python)
        let transport = StdioTransport(
            ProcessConfiguration(command: Peers.python, arguments: [Peers.pythonScript("fault_server.py")]),
            options: StdioTransport.Options(restart: .standard)
        )
        let session = try await ClientSession.connect(transport: transport)
        let events = session.events()
        let firstPID = try #require(transport.processID)
        await #expect { try await session.callTool("exit") } throws: { ($0 as? MCPError)?.code == .transportClosed }
        let lost = try await firstMatch(in: events, within: .seconds(5)) { event -> Bool? in
            if case .connectionLost = event { return true }
            return nil
        }
        #expect(lost)
        #expect(try await session.callTool("ok").text == "ok done")
        #expect(transport.restartCount == 1)
        #expect(transport.processID != firstPID)
        await session.close()
    }

    @Test("a server that keeps dying ends in a crash-loop error with its stderr")
    func crashLoop() async throws {
        try Peers.require(Peers.python)
        let transport = StdioTransport(
            ProcessConfiguration(command: Peers.python, arguments: [Peers.pythonScript("fault_server.py")]),
            options: StdioTransport.Options(restart: .init(maximumRestarts: 2, window: .seconds(60), initialBackoff: .milliseconds(10)))
        )
        let session = try await ClientSession.connect(transport: transport)
        for _ in 0..<3 {
            await #expect { try await session.callTool("exit") } throws: { ($0 as? MCPError)?.code == .transportClosed }
        }
        await #expect {
            try await session.callTool("ok")
        } throws: { error in
            guard let error = error as? MCPError, let transportError = error.transportError else { return false }
            return transportError.code == .crashLoop && transportError.stderrTail.contains("fault server: exiting on purpose")
        }
        #expect(transport.restartCount == 2)
        await session.close()
    }

    @Test("closing stops a server that ignores stdin closing, by SIGTERM", .timeLimit(.minutes(1)))
    func shutdownEscalates() async throws {
        // `sleep` ignores stdin, so only a signal ends it.
        let transport = StdioTransport(
            ProcessConfiguration(command: "/bin/sh", arguments: ["-c", "exec sleep 600"]),
            options: StdioTransport.Options(exitGracePeriod: .milliseconds(200), terminateGracePeriod: .milliseconds(500))
        )
        let closed = ClosedRecorder()
        try await transport.start(closed)
        let pid = try #require(transport.processID)
        // 0.7 s of grace periods against a 600 s sleep: only the signal ends it within the time limit.
        await transport.close()
        #expect(kill(pid, 0) != 0, "the process should be gone")
    }
}

#if canImport(Glibc)
import Glibc
#endif

final class LineCollector: @unchecked Sendable {
    // Guarded by `lock`; appended from the transport's reader thread.
    private let lock = NSLockLike()
    private var storage: [String] = []
    func append(_ line: String) { lock.locked { storage.append(line) } }
    var lines: [String] { lock.locked { storage } }
}

final class NSLockLike: Sendable {
    private let mutex = Mutex(())
    func locked<T>(_ body: () -> T) -> T { mutex.withLock { _ in body() } }
}

final class ClosedRecorder: TransportInbound {
    func receive(_ message: JSONRPCMessage) {}
    func receiveMalformed(_ error: TransportError) {}
    func requestFailed(_ id: RequestID, _ error: TransportError) {}
    func closed(_ error: TransportError?) {}
    func connectionLost(_ error: TransportError) {}
}
