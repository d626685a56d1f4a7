import DemoServer
import JSONCore
import MCPClient
import MCPHTTPTransport
import MCPServer
import MCPTransport
import MCPWire
import TestSupport
import Testing

/// How a session ends and is let go of: streams finish whoever ends it, late subscribers are
/// not left waiting, and a closed session and its transport are freed, over every transport.
@Suite("Client session lifetime", .serialized)
struct SessionLifetimeTests {
    /// Whether `weak` lets go of its object once the tasks still finishing have run: counted in
    /// yields, not seconds.
    static func isFreed<Object: AnyObject>(_ reference: () -> Object?) async -> Bool {
        for _ in 0..<10_000 {
            if reference() == nil { return true }
            await Task.yield()
        }
        return reference() == nil
    }

    /// A session connected in memory to the demo server, with the server side to close.
    static func inMemory() async throws -> (ClientSession, ServerSession, Task<Void, Never>) {
        let (clientSide, serverSide) = InMemoryTransport.makePair()
        let server = ServerSession(server: DemoServer.make(), transport: serverSide)
        // The server side serves until its transport closes; the caller awaits it.
        let serving = Task<Void, Never> { _ = try? await server.run() }
        let session = try await ClientSession.connect(transport: clientSide)
        return (session, server, serving)
    }

    @Test("when the server side closes, every stream finishes, and streams asked for later finish at once", .timeLimit(.minutes(1)))
    func serverCloses() async throws {
        let (session, server, serving) = try await Self.inMemory()
        let earlyEvents = session.events()
        let earlyNotifications = session.notifications()
        await server.close()
        await serving.value
        var sawClosed = false
        for await event in earlyEvents {
            if case .closed(let error) = event { sawClosed = error != nil }
        }
        #expect(sawClosed, "the early events stream ends with .closed and the cause")
        for await _ in earlyNotifications {}
        #expect(session.isClosed)
        // Asked for after the end: the stream still says why, then finishes.
        var late: [SessionEvent] = []
        for await event in session.events() { late.append(event) }
        #expect(late.count == 1)
        if case .closed(let error)? = late.first { #expect(error != nil) } else { Issue.record("expected .closed, got \(late)") }
        for await _ in session.notifications() { Issue.record("a late notifications stream yielded") }
        await #expect { try await session.callTool("echo", arguments: ["text": "late"]) } throws: {
            ($0 as? MCPError)?.code == .transportClosed
        }
        await session.close()
    }

    @Test("a session closed by its owner ends its streams cleanly, and later ones finish at once", .timeLimit(.minutes(1)))
    func ownerCloses() async throws {
        let (session, server, serving) = try await Self.inMemory()
        let events = session.events()
        await session.close()
        var closedCleanly = false
        for await event in events {
            if case .closed(nil) = event { closedCleanly = true }
        }
        #expect(closedCleanly)
        for await _ in session.notifications() { Issue.record("a late notifications stream yielded") }
        await server.close()
        await serving.value
    }

    @Test("a closed in-memory session and its transport are freed")
    func freedInMemory() async throws {
        weak var weakSession: ClientSession?
        weak var weakTransport: InMemoryTransport?
        do {
            let (session, server, serving) = try await Self.inMemory()
            weakSession = session
            weakTransport = session.transport as? InMemoryTransport
            #expect(try await session.callTool("echo", arguments: ["text": "hi"]).text == "hi")
            _ = session.events()
            await session.close()
            await server.close()
            await serving.value
        }
        #expect(await Self.isFreed { weakSession }, "the session outlived close()")
        #expect(await Self.isFreed { weakTransport }, "the transport outlived close()")
    }

    @Test("a closed stdio session and its transport are freed")
    func freedStdio() async throws {
        try Peers.require(Peers.switchboard)
        weak var weakSession: ClientSession?
        weak var weakTransport: StdioTransport?
        do {
            let transport = StdioTransport(ProcessConfiguration(command: Peers.switchboard, arguments: ["demo-server"]))
            let session = try await ClientSession.connect(transport: transport)
            weakSession = session
            weakTransport = transport
            #expect(try await session.callTool("echo", arguments: ["text": "hi"]).text == "hi")
            _ = session.notifications()
            await session.close()
        }
        #expect(await Self.isFreed { weakSession }, "the session outlived close()")
        #expect(await Self.isFreed { weakTransport }, "the transport outlived close()")
    }

    @Test("a stdio session whose server exited is freed once its owner drops it, even without close()")
    func freedAfterServerExit() async throws {
        try Peers.require(Peers.python)
        weak var weakSession: ClientSession?
        do {
            let transport = StdioTransport(ProcessConfiguration(command: Peers.python, arguments: [Peers.pythonScript("fault_server.py")]))
            let session = try await ClientSession.connect(transport: transport)
            weakSession = session
            await #expect { try await session.callTool("exit") } throws: { ($0 as? MCPError)?.code == .transportClosed }
            for await _ in session.events() {}
            #expect(session.isClosed)
        }
        #expect(await Self.isFreed { weakSession }, "a session its transport closed stayed alive")
    }

    @Test("a closed HTTP session and its transport are freed")
    func freedHTTP() async throws {
        try Peers.require(Peers.switchboard)
        let peer = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port)] }
        defer { peer.stop() }
        weak var weakSession: ClientSession?
        weak var weakTransport: StreamableHTTPTransport?
        do {
            let transport = try StreamableHTTPTransport(url: peer.url)
            let session = try await ClientSession.connect(transport: transport)
            weakSession = session
            weakTransport = transport
            #expect(try await session.callTool("echo", arguments: ["text": "hi"]).text == "hi")
            await session.close()
        }
        #expect(await Self.isFreed { weakSession }, "the session outlived close()")
        #expect(await Self.isFreed { weakTransport }, "the transport outlived close()")
    }
}
