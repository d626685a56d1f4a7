import DemoServer
import Foundation
import MCPClient
import MCPHTTPTransport
import MCPServer
import MCPServerHTTP
import MCPWire
import TestSupport
import Testing

/// Long-lived SSE streams end when they should: when the client goes away (noticed by a
/// keep-alive write) and when the server is asked to stop (instead of holding the shutdown).
@Suite("HTTP stream lifetime", .serialized)
struct HTTPStreamLifetimeTests {
    @Test("a subscription stream whose client went away is closed on the server by the next keep-alive")
    func clientGone() async throws {
        let server = DemoServer.make()
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let serving = Task {
            try await runHTTPServer(server, port: 0, options: HTTPEndpointOptions(keepAliveInterval: .milliseconds(50))) { bound in
                listening.yield(bound)
            }
        }
        defer { serving.cancel() }
        let port = try await firstMatch(in: ports, within: .seconds(10)) { $0 }
        let url = "http://127.0.0.1:\(port)/mcp"
        let session = try await ClientSession.connect(transport: StreamableHTTPTransport(url: url))
        try await session.listen(SubscriptionFilter(toolsListChanged: true))
        #expect(server.changeListenerCount == 1)
        await session.close()
        var waited = 0
        while server.changeListenerCount > 0 && waited < 200 {
            try await Task.sleep(for: .milliseconds(25))
            waited += 1
        }
        #expect(server.changeListenerCount == 0, "the server still holds the subscription of a client that left")
    }

    @Test("a server asked to stop (SIGTERM) ends its open subscription streams and exits by itself")
    func shutdownEndsStreams() async throws {
        let peer = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port)] }
        defer { peer.stop() }
        let session = try await ClientSession.connect(transport: StreamableHTTPTransport(url: peer.url))
        try await session.listen(SubscriptionFilter(toolsListChanged: true))
        peer.process.process.terminate()
        let exited = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await peer.process.wait()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(20))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(exited, "the server did not exit after SIGTERM while a subscription was open")
        if exited {
            #expect(peer.process.process.terminationReason == .exit)
            #expect(peer.process.process.terminationStatus == 0)
        }
        await session.close()
    }
}
