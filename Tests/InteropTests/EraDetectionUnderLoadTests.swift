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
        let outcomes = await withTaskGroup(of: (Int, Bool, Result<ProtocolEra, MCPError>).self) { group in
            for server in servers {
                group.addTask {
                    let arguments = [Peers.pythonFixture] + (server.handshakeOnly ? ["--handshake-only"] : [])
                    let transport = StdioTransport(ProcessConfiguration(command: Peers.python, arguments: arguments))
                    do throws(MCPError) {
                        let session = try await ClientSession.connect(transport: transport, configuration: configuration)
                        let era = session.era ?? .legacy
                        // The session serves calls in the era it settled on.
                        let echoed = try await session.callTool("echo", arguments: ["text": .string("era \(era)")]).text
                        await session.close()
                        if echoed != "era \(era)" { return (server.index, server.handshakeOnly, .failure(MCPError(.protocolError, "echo said \(echoed)"))) }
                        return (server.index, server.handshakeOnly, .success(era))
                    } catch {
                        await transport.close()
                        return (server.index, server.handshakeOnly, .failure(error))
                    }
                }
            }
            var all: [(Int, Bool, Result<ProtocolEra, MCPError>)] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.0 < $1.0 }
        }
        #expect(outcomes.count == 8)
        for (index, handshakeOnly, outcome) in outcomes {
            switch outcome {
            case .success(let era):
                #expect(era == (handshakeOnly ? .legacy : .modern), "server \(index) (handshake only: \(handshakeOnly)) came up \(era)")
            case .failure(let error):
                Issue.record("server \(index) (handshake only: \(handshakeOnly)) failed: \(error)")
            }
        }
    }
}
