import Foundation
import JSONCore
import MCPClient
import MCPConnect
import MCPHTTPTransport
import MCPTransport
import MCPWire
import Switchboard
import TestSupport

/// The demo server with its fault-injection tools, as a real process, and a client session to
/// it with a chosen interceptor chain. Tool executions and request methods are counted in a
/// file on the server side, so the counts survive crashes and restarts.
final class ChaosServer: Sendable {
    enum Link: Sendable { case stdio, http }

    let countFile: String
    let session: ClientSession
    let peer: HTTPPeer?

    private init(countFile: String, session: ClientSession, peer: HTTPPeer?) {
        self.countFile = countFile
        self.session = session
        self.peer = peer
    }

    static func start(
        link: Link = .stdio,
        interceptors: [any RequestInterceptor],
        trustAnnotations: Bool = true,
        timeout: Duration = .seconds(10),
        serverArguments: [String] = []
    ) async throws -> ChaosServer {
        try Peers.require(Peers.switchboard)
        let countFile = NSTemporaryDirectory() + "chaos-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: countFile, contents: nil)
        let arguments = ["demo-server", "--chaos", "--count-file", countFile] + serverArguments
        let configuration = ClientConfiguration(
            defaultTimeout: timeout,
            serverName: "chaos",
            interceptors: interceptors,
            trustToolAnnotations: trustAnnotations
        )
        switch link {
        case .stdio:
            let transport = StdioTransport(
                ProcessConfiguration(command: Peers.switchboard, arguments: arguments),
                options: StdioTransport.Options(restart: .init(maximumRestarts: 5, window: .seconds(60), initialBackoff: .milliseconds(10)))
            )
            let session = try await ClientSession.connect(transport: transport, configuration: configuration)
            return ChaosServer(countFile: countFile, session: session, peer: nil)
        case .http:
            let peer = try await HTTPPeer(Peers.switchboard) { port in arguments + ["--http", String(port)] }
            let session = try await ClientSession.connect(transport: StreamableHTTPTransport(url: peer.url), configuration: configuration)
            return ChaosServer(countFile: countFile, session: session, peer: peer)
        }
    }

    /// How many times the server ran `name` (a tool, or `method:<method>`).
    func count(_ name: String) -> Int {
        let text = (try? String(contentsOfFile: countFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0 == name }.count
    }

    func chaos(_ mode: String, count: Int = -1, delayMilliseconds: Int = 0) async throws {
        _ = try await session.callTool(
            "chaos",
            arguments: ["mode": .string(mode), "count": .int(count), "delay_ms": .int(delayMilliseconds)],
            options: RequestOptions(bypassCache: true)
        )
    }

    func stop() async {
        await session.close()
        peer?.stop()
        try? FileManager.default.removeItem(atPath: countFile)
    }
}
