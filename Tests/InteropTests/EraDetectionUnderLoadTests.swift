import Foundation
import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import TestSupport
import Testing

/// Era detection when servers are slow to start: several Python SDK servers launched at once
/// on a machine kept busy, with a probe time far shorter than their start-up, so `initialize`
/// always goes out beside an unanswered `server/discover`. The dual-era servers answer the
/// probe late and refuse `initialize` (they serve 2026-07-28 once a modern request came
/// first); the handshake-only ones refuse the probe and accept `initialize`. Every one must
/// come up, in its own era.
@Suite("Interop: era detection under load", .serialized)
struct EraDetectionUnderLoadTests {
    struct ServerOutcome: Sendable {
        var index: Int
        var handshakeOnly: Bool
        var era: Result<ProtocolEra, MCPError>
    }

    /// Connects to one fixture server, checks it serves a call, and closes it.
    static func connect(index: Int, handshakeOnly: Bool, configuration: ClientConfiguration) async -> ServerOutcome {
        let arguments = [Peers.pythonFixture] + (handshakeOnly ? ["--handshake-only"] : [])
        let transport = StdioTransport(ProcessConfiguration(command: Peers.python, arguments: arguments))
        let era: Result<ProtocolEra, MCPError>
        do throws(MCPError) {
            let session = try await ClientSession.connect(transport: transport, configuration: configuration)
            let settled = session.era ?? .legacy
            // The session serves calls in the era it settled on.
            let echoed = try await session.callTool("echo", arguments: ["text": .string("era \(settled)")]).text
            await session.close()
            era = echoed == "era \(settled)" ? .success(settled) : .failure(MCPError(.protocolError, "echo said \(echoed)"))
        } catch {
            await transport.close()
            era = .failure(error)
        }
        return ServerOutcome(index: index, handshakeOnly: handshakeOnly, era: era)
    }

    @Test("8 Python servers started at once beside a CPU burner all come up in the right era")
    func eightSlowServers() async throws {
        try Peers.require(Peers.python)
        let burners = (0..<2).map { _ in ExternalProcess("/bin/sh", ["-c", "while :; do :; done"]) }
        for burner in burners { try burner.start() }
        defer { for burner in burners { burner.stop() } }

        // Four of each kind, interleaved; 150 ms is far less than a Python server takes to
        // import the SDK, so every probe is still unanswered when its time runs out.
        let servers: [(handshakeOnly: Bool, index: Int)] = (0..<8).map { ($0 % 2 == 1, $0) }
        let configuration = ClientConfiguration(defaultTimeout: .seconds(120), probeTimeout: .milliseconds(150))
        // Each child's work is a function returning a struct: Swift 6.3.1 miscompiles a child
        // that returns a tuple from inside a do/catch (see `Hub.resources()`).
        let outcomes = await withTaskGroup(of: ServerOutcome.self) { group in
            for server in servers {
                group.addTask { await Self.connect(index: server.index, handshakeOnly: server.handshakeOnly, configuration: configuration) }
            }
            var all: [ServerOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.index < $1.index }
        }
        #expect(outcomes.count == 8)
        for server in outcomes {
            let (index, handshakeOnly) = (server.index, server.handshakeOnly)
            switch server.era {
            case .success(let era):
                #expect(era == (handshakeOnly ? .legacy : .modern), "server \(index) (handshake only: \(handshakeOnly)) came up \(era)")
            case .failure(let error):
                Issue.record("server \(index) (handshake only: \(handshakeOnly)) failed: \(error)")
            }
        }
    }
}
