import DemoServer
import Foundation
import JSONCore
import MCPClient
import MCPConnect
import MCPHTTPTransport
import MCPTransport
import MCPWire
import Synchronization
import TestSupport
import Testing

/// The client against the demo server as a real process: over stdio, and over HTTP in every
/// answer mode, in both eras. This covers the server's HTTP endpoint too: legacy sessions,
/// the GET stream (resource updates on legacy HTTP arrive there), and header checks.
@Suite("Client and demo server over real processes", .serialized)
struct DemoServerProcessTests {
    enum Link: String, Sendable, CaseIterable, CustomStringConvertible {
        case stdio
        case httpAuto = "http-auto"
        case httpJSON = "http-json"
        case httpSSE = "http-sse"
        var description: String { rawValue }
    }

    struct Scenario: Sendable, CustomStringConvertible {
        var link: Link
        var pinned: ProtocolVersion?
        var description: String { "\(link) \(pinned?.rawValue ?? "auto")" }
    }

    static let scenarios = Link.allCases.flatMap { link in
        [nil, ProtocolVersion.v2025_11_25, .v2025_03_26].map { Scenario(link: link, pinned: $0) }
    }

    static func withDemo(
        _ scenario: Scenario,
        handlers: ClientHandlers = ClientHandlers(),
        _ body: (ClientSession) async throws -> Void
    )
        async throws
    {
        try Peers.require(Peers.switchboard)
        let configuration = ClientConfiguration(handlers: handlers, pinnedVersion: scenario.pinned, defaultTimeout: .seconds(20))
        if scenario.link == .stdio {
            let transport = StdioTransport(ProcessConfiguration(command: Peers.switchboard, arguments: ["demo-server"]))
            try await ClientSession.withSession(transport: transport, configuration: configuration, body)
            return
        }
        let mode = scenario.link == .httpJSON ? "json" : scenario.link == .httpSSE ? "sse" : "auto"
        let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port), "--response-mode", mode] }
        defer { server.stop() }
        try await ClientSession.withSession(transport: StreamableHTTPTransport(url: server.url), configuration: configuration, body)
    }

    @Test("everything the demo offers, in every link and era", arguments: scenarios)
    func tour(_ scenario: Scenario) async throws {
        let progress = Mutex<[Double]>([])
        let handlers = ClientHandlers(
            sampling: { _ in CreateMessageResult(content: .text("42"), model: "m") },
            elicitation: { _ in ElicitResult(action: .accept, content: ["confirm": true]) }
        )
        try await Self.withDemo(scenario, handlers: handlers) { session in
            #expect(session.protocolVersion == scenario.pinned ?? .v2026_07_28)
            #expect(try await session.allTools().count == 8)
            #expect(try await session.callTool("echo", arguments: ["text": "über"]).text == "über")
            let slept = try await session.callTool(
                "sleep",
                arguments: ["ms": 30, "steps": 3],
                options: RequestOptions(onProgress: { p in progress.withLock { $0.append(p.progress) } })
            )
            #expect(slept.text == "slept 30 ms")
            #expect(try await session.callTool("ask_model", arguments: ["question": "q"]).text == "m: 42")
            // In JSON-answer mode, a legacy server can only push its elicitation on the GET stream.
            #expect(try await session.callTool("confirm_action", arguments: ["action": "go"]).text == "confirmed: go")
            #expect(try await session.readResource("demo://greeting/Zoë").contents.first?.text == "Hello, Zoë!")
            let notifications = session.notifications()
            try await session.subscribe(toResource: "demo://counter")
            _ = try await session.callTool("increment")
            #expect(try await firstUpdate(notifications) == "demo://counter")
        }
        let expected: [Double] = scenario.link == .httpJSON ? [] : [1, 2, 3]
        #expect(progress.withLock { $0 } == expected)
    }

    @Test("the HTTP endpoint refuses modern requests whose headers disagree with the body")
    func headerMismatch() async throws {
        let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port)] }
        defer { server.stop() }
        let body =
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#
        let result = try await ExternalProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", server.url, "-H", "Content-Type: application/json",
                "-H", "Accept: application/json, text/event-stream", "-H", "MCP-Protocol-Version: 2026-07-28",
                "-H", "Mcp-Method: tools/call", "-H", "Mcp-Name: other", "-d", body,
            ]
        )
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.last == "400")
        #expect(result.stdout.contains("-32020"))
    }

    @Test("the legacy GET stream keeps what was pushed before it opened, and replays after Last-Event-ID")
    func eventReplay() async throws {
        let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port)] }
        defer { server.stop() }
        func post(_ body: String, session: String? = nil) async throws -> String {
            var arguments = [
                "-s", "-D", "-", "-X", "POST", server.url, "-H", "Content-Type: application/json",
                "-H", "Accept: application/json, text/event-stream", "-H", "MCP-Protocol-Version: 2025-11-25", "-d", body,
            ]
            if let session { arguments += ["-H", "Mcp-Session-Id: \(session)"] }
            return try await ExternalProcess.run("/usr/bin/curl", arguments).stdout
        }
        let initialized = try await post(
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
        )
        let session = try #require(
            initialized.split(separator: "\r\n").first { $0.lowercased().hasPrefix("mcp-session-id:") }?
                .split(separator: ":", maxSplits: 1).last.map { String($0).trimmingCharacters(in: .whitespaces) }
        )
        _ = try await post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: session)
        _ = try await post(#"{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"demo://counter"}}"#, session: session)
        for id in 3...4 {
            _ = try await post(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"increment"}}"#, session: session)
        }
        func get(lastEventID: String?) async throws -> String {
            var arguments = [
                "-s", "-N", "--max-time", "1", server.url, "-H", "Accept: text/event-stream",
                "-H", "Mcp-Session-Id: \(session)", "-H", "MCP-Protocol-Version: 2025-11-25",
            ]
            if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
            return try await ExternalProcess.run("/usr/bin/curl", arguments).stdout
        }
        // Both updates were pushed before any GET: the first GET gets them.
        let first = try await get(lastEventID: nil)
        #expect(first.contains("id: 1\n") && first.contains("id: 2\n"))
        #expect(first.components(separatedBy: "notifications/resources/updated").count - 1 == 2)
        // A reconnection names the last event it saw; only later ones come again.
        let resumed = try await get(lastEventID: "1")
        #expect(!resumed.contains("id: 1\n"))
        #expect(resumed.contains("id: 2\n"))
    }

    @Test("a modern request for an unsupported version gets the supported list, and the client retries")
    func unsupportedVersion() async throws {
        let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port), "--versions", "2025-06-18"] }
        defer { server.stop() }
        let session = try await ClientSession.connect(transport: StreamableHTTPTransport(url: server.url))
        #expect(session.protocolVersion == .v2025_06_18)
        #expect(session.era == .legacy)
        #expect(try await session.callTool("echo", arguments: ["text": "fell back"]).text == "fell back")
        await session.close()
    }
}

func firstUpdate(_ stream: AsyncStream<ServerNotification>) async throws -> String {
    try await firstMatch(in: stream, within: .seconds(10)) { notification in
        if case .resourceUpdated(let uri) = notification { return uri }
        return nil
    }
}
