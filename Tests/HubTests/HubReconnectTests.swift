import DemoServer
import JSONCore
import MCPClient
import MCPServer
import MCPTransport
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub
import Synchronization
import Testing

/// Connects every endpoint in memory to a fresh demo server, counting the servers alive.
struct InMemoryConnector: EndpointConnector {
    final class Counter: Sendable {
        let value = Mutex(0)
    }
    let live = Counter()
    var liveServers: Int { live.value.withLock { $0 } }

    func connect(_ endpoint: Endpoint, options: ConnectionOptions, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession {
        let (clientSide, serverSide) = InMemoryTransport.makePair()
        let server = ServerSession(server: DemoServer.make(), transport: serverSide)
        let live = self.live
        live.value.withLock { $0 += 1 }
        // The server side serves until the client side closes the pair.
        Task {
            _ = try? await server.run()
            live.value.withLock { $0 -= 1 }
        }
        return try await ClientSession.connect(transport: clientSide, configuration: configuration)
    }
}

@Suite("Hub: sessions are freed across reconnects")
struct HubReconnectTests {
    @Test("1,000 reconnects through reloads: every replaced session, and its server, is let go")
    func thousandReconnects() async throws {
        let connector = InMemoryConnector()
        func configuration(_ round: Int) throws -> SwitchboardConfiguration {
            try ConfigurationLoader(environment: [:]).parse(
                #"{"mcpServers": {"demo": {"command": "demo", "args": ["\#(round)"]}}}"#,
                file: "reconnect.json"
            )
        }
        let hub = Hub(configuration: try configuration(0), connector: connector) { server, _ in
            ClientConfiguration(defaultTimeout: .seconds(30), serverName: server.name)
        }
        await hub.start(timeout: .seconds(30), maintain: false)
        struct WeakSession: @unchecked Sendable {
            // Read only after the reconnects, on this task.
            weak var session: ClientSession?
        }
        var weakSessions: [WeakSession] = []
        for round in 1...1000 {
            weakSessions.append(WeakSession(session: try hub.session(for: "demo")))
            let report = await hub.apply(try configuration(round), drainTimeout: .seconds(5))
            #expect(report.changed == ["demo"])
        }
        #expect(try await hub.callTool("demo__echo", arguments: ["text": "still here"]).text == "still here")
        var alive = weakSessions.filter { $0.session != nil }.count
        for _ in 0..<10_000 where alive > 0 {
            await Task.yield()
            alive = weakSessions.filter { $0.session != nil }.count
        }
        #expect(alive == 0, "\(alive) of 1,000 replaced sessions are still alive")
        #expect(connector.liveServers == 1, "servers of replaced sessions are still serving")
        await hub.close()
    }
}
