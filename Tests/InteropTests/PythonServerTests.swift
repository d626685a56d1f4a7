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

/// Switchboard's client against servers written with the official Python SDK (`pip install
/// mcp`), over stdio and Streamable HTTP (SSE and JSON answers, stateful and stateless), in
/// the modern era and with a legacy version pinned.
@Suite("Interop: Python SDK servers", .serialized)
struct PythonServerTests {
    enum Link: String, Sendable, CustomStringConvertible {
        case stdio, httpSSE, httpJSON, httpStateless, httpStatelessJSON
        var description: String { rawValue }
        var streams: Bool { self == .stdio || self == .httpSSE || self == .httpStateless }
        var stateless: Bool { self == .httpStateless || self == .httpStatelessJSON }
    }

    struct Scenario: Sendable, CustomStringConvertible {
        var link: Link
        var pinned: ProtocolVersion?
        var description: String { "\(link) \(pinned?.rawValue ?? "auto")" }
    }

    static let scenarios: [Scenario] =
        [Link.stdio, .httpSSE, .httpJSON, .httpStateless, .httpStatelessJSON].flatMap { link in
            [Scenario(link: link, pinned: nil), Scenario(link: link, pinned: .v2025_11_25)]
        } + [
            Scenario(link: .stdio, pinned: .v2025_06_18), Scenario(link: .httpSSE, pinned: .v2025_06_18),
            Scenario(link: .stdio, pinned: .v2025_03_26),
        ]

    /// Where the server can ask the client for input mid-call: always in the modern era
    /// (`input_required` rides the answer), and in legacy eras only on a stream it can push
    /// requests on (the Python server refuses with JSON answers, having no back-channel).
    static var interactive: [Scenario] { scenarios.filter { $0.pinned == nil || ($0.link.streams && !$0.link.stateless) } }

    /// Connects to a fresh fixture server for `scenario`, runs `body`, stops everything.
    static func withFixture(
        _ scenario: Scenario,
        handlers: ClientHandlers = ClientHandlers(),
        _ body: (ClientSession) async throws -> Void
    ) async throws {
        try Peers.require(Peers.python)
        let configuration = ClientConfiguration(handlers: handlers, pinnedVersion: scenario.pinned, defaultTimeout: .seconds(20))
        switch scenario.link {
        case .stdio:
            let process = ProcessConfiguration(command: Peers.python, arguments: [Peers.pythonFixture])
            try await ClientSession.withSession(transport: StdioTransport(process), configuration: configuration, body)
        default:
            var flags: [String] = []
            if scenario.link == .httpJSON || scenario.link == .httpStatelessJSON { flags.append("--json-response") }
            if scenario.link.stateless { flags.append("--stateless") }
            let peer = try await HTTPPeer(Peers.python) { port in [Peers.pythonFixture, "--http", String(port)] + flags }
            defer { peer.stop() }
            try await ClientSession.withSession(transport: StreamableHTTPTransport(url: peer.url), configuration: configuration, body)
        }
    }

    static let handlers = ClientHandlers(
        sampling: { params in
            CreateMessageResult(content: .text("Paris (asked: \(params.messages.first?.content.first?.text ?? ""))"), model: "stub-model")
        },
        elicitation: { _ in ElicitResult(action: .accept, content: ["confirm": true]) }
    )

    @Test("negotiation, paginated listing, calls and structured output", arguments: scenarios)
    func basics(_ scenario: Scenario) async throws {
        try await Self.withFixture(scenario) { session in
            #expect(session.protocolVersion == scenario.pinned ?? .v2026_07_28)
            #expect(session.serverInfo?.name == "python-fixture")
            let firstPage = try await session.listTools()
            #expect(firstPage.tools.count == 4)
            #expect(firstPage.nextCursor != nil)
            let tools = try await session.allTools()
            #expect(tools.count == 14)
            #expect(try await session.callTool("echo", arguments: ["text": "héllo"]).text == "héllo")
            let sum = try await session.callTool("add", arguments: ["a": 2, "b": 40])
            #expect(sum.structuredContent?["result"] == .int(42))
            let weather = try await session.callTool("weather", arguments: ["city": "Oslo"])
            #expect(weather.structuredContent?["conditions"] == .string("sunny"))
            let prompt = try await session.getPrompt("greet", arguments: ["name": "Ada"])
            #expect(prompt.messages.first?.content.text == "Say hello to Ada.")
        }
    }

    @Test("progress reaches the request's callback where the link can stream", arguments: scenarios)
    func progress(_ scenario: Scenario) async throws {
        let seen = Mutex<[Double]>([])
        try await Self.withFixture(scenario) { session in
            let result = try await session.callTool(
                "slow",
                arguments: ["steps": 3],
                options: RequestOptions(onProgress: { progress in seen.withLock { $0.append(progress.progress) } })
            )
            #expect(result.text == "done after 3 steps")
        }
        // A JSON answer cannot carry notifications before the result.
        #expect(seen.withLock { $0 } == (scenario.link.streams ? [1, 2, 3] : []))
    }

    @Test("cancelling a call stops waiting at once and the session goes on", .timeLimit(.minutes(1)), arguments: scenarios)
    func cancellation(_ scenario: Scenario) async throws {
        try await Self.withFixture(scenario) { session in
            let call = Task { try await session.callTool("hang") }
            try await Task.sleep(for: .milliseconds(200))
            call.cancel()
            // "hang" never answers: only the cancellation can end the call within the time limit.
            await #expect {
                try await call.value
            } throws: { ($0 as? MCPError)?.code == .cancelled }
            #expect(try await session.callTool("echo", arguments: ["text": "still here"]).text == "still here")
        }
    }

    @Test("elicitation and sampling requested by the server are answered", arguments: interactive)
    func serverRequests(_ scenario: Scenario) async throws {
        try await Self.withFixture(scenario, handlers: Self.handlers) { session in
            let confirmed = try await session.callTool("confirm", arguments: ["action": "deploy"])
            #expect(confirmed.text == "deploy: yes")
            let consulted = try await session.callTool("consult", arguments: ["question": "capital of France?"])
            #expect(consulted.text == "model said: Paris (asked: capital of France?)")
        }
    }

    @Test("resource update notifications arrive after subscribing", arguments: scenarios.filter { $0.link.streams && !$0.link.stateless })
    func resourceUpdates(_ scenario: Scenario) async throws {
        try await Self.withFixture(scenario) { session in
            let notifications = session.notifications()
            try await session.subscribe(toResource: "fixture://counter")
            _ = try await session.callTool("bump")
            let uri = try await firstResourceUpdate(notifications, within: .seconds(10))
            #expect(uri == "fixture://counter")
        }
    }
}

/// The deprecated HTTP+SSE transport (2024-11-05) of the Python SDK, reached from a plain URL
/// through the specification's fallback: the Streamable HTTP POST is refused, so the client
/// opens the GET stream and waits for its `endpoint` event.
@Suite("Interop: Python SDK server over HTTP+SSE", .serialized)
struct PythonLegacySSETests {
    @Test("falls back from Streamable HTTP to HTTP+SSE and works there")
    func fallback() async throws {
        try Peers.require(Peers.python)
        let peer = try await HTTPPeer(Peers.python) { port in [Peers.pythonFixture, "--sse", String(port)] }
        defer { peer.stop() }
        let handlers = ClientHandlers(elicitation: { _ in ElicitResult(action: .accept, content: ["confirm": false]) })
        let session = try await ClientSession.connect(
            to: .http(url: "http://127.0.0.1:\(peer.port)/sse"),
            configuration: ClientConfiguration(handlers: handlers, defaultTimeout: .seconds(20))
        )
        #expect(session.transport.kind == .legacySSE)
        #expect(session.era == .legacy)
        #expect(try await session.allTools().count == 14)
        #expect(try await session.callTool("echo", arguments: ["text": "over sse"]).text == "over sse")
        #expect(try await session.callTool("confirm", arguments: ["action": "wait"]).text == "wait: no")
        let seen = Mutex(0)
        _ = try await session.callTool("slow", arguments: ["steps": 2], options: RequestOptions(onProgress: { _ in seen.withLock { $0 += 1 } }))
        #expect(seen.withLock { $0 } == 2)
        await session.close()
    }
}

/// The URI of the first `resources/updated` on `stream`.
func firstResourceUpdate(_ stream: AsyncStream<ServerNotification>, within timeout: Duration) async throws -> String {
    try await firstMatch(in: stream, within: timeout) { notification in
        if case .resourceUpdated(let uri) = notification { return uri }
        return nil
    }
}
