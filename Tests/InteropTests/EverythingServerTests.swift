import JSONCore
import MCPClient
import MCPConnect
import MCPHTTPTransport
import MCPTransport
import MCPWire
import Synchronization
import TestSupport
import Testing

/// swift-sdk 0.12.1's `mcp-everything-server` over HTTP: a legacy (2025-11-25) server that
/// answers in SSE, which swift-sdk's own client cannot read on Linux.
@Suite("Interop: swift-sdk mcp-everything-server", .serialized)
struct EverythingServerTests {
    static func withServer(_ body: (ClientSession) async throws -> Void) async throws {
        let peer = try await HTTPPeer(Peers.everythingServer) { port in ["--port", String(port)] }
        defer { peer.stop() }
        let handlers = ClientHandlers(
            sampling: { _ in CreateMessageResult(content: .text("sampled"), model: "stub") },
            elicitation: { _ in ElicitResult(action: .accept, content: ["username": "ada", "email": "ada@example.com"]) }
        )
        try await ClientSession.withSession(
            transport: StreamableHTTPTransport(url: peer.url),
            configuration: ClientConfiguration(handlers: handlers, defaultTimeout: .seconds(20)),
            body
        )
    }

    @Test("detects a legacy server and lists and calls over SSE answers")
    func basics() async throws {
        try await Self.withServer { session in
            #expect(session.era == .legacy)
            #expect(session.protocolVersion == .v2025_11_25)
            #expect(session.serverInfo?.name == "mcp-conformance-test-server")
            let tools = try await session.allTools()
            #expect(tools.contains { $0.name == "add_numbers" })
            let sum = try await session.callTool("add_numbers", arguments: ["a": 2, "b": 3])
            #expect(sum.text.contains("5"))
            let image = try await session.callTool("test_image_content")
            if case .image(let media) = image.content.first {
                #expect(media.mimeType == "image/png")
            } else {
                Issue.record("expected an image block, got \(image.content)")
            }
            let text = try await session.readResource("test://static-text")
            #expect(text.contents.first?.text == "This is static text content for testing.")
            let prompts = try await session.allPrompts()
            #expect(prompts.contains { $0.name == "test_simple_prompt" })
        }
    }

    @Test("progress notifications pushed on the legacy GET stream arrive")
    func progress() async throws {
        // This server sends request progress with `server.notify`, which goes to the standalone
        // GET stream rather than the request's own stream; it can therefore arrive after the
        // response, when no callback waits any more. The notifications stream still gets them.
        try await Self.withServer { session in
            let notifications = session.notifications()
            let result = try await session.callTool(
                "test_tool_with_progress",
                options: RequestOptions(onProgress: { _ in })
            )
            #expect(!result.isError)
            let values = try await withThrowingTaskGroup(of: [Double].self) { group in
                group.addTask {
                    var seen: [Double] = []
                    for await notification in notifications {
                        if case .progress(let progress) = notification { seen.append(progress.progress) }
                        if seen.count == 3 { break }
                    }
                    return seen
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    return []
                }
                let first = try await group.next() ?? []
                group.cancelAll()
                return first
            }
            #expect(values == [0, 50, 100])
        }
    }

    @Test("sampling pushed by the server on the answer stream is answered")
    func sampling() async throws {
        try await Self.withServer { session in
            let result = try await session.callTool("test_sampling", arguments: ["prompt": "hello"])
            #expect(!result.isError)
            #expect(result.text.contains("sampled"))
        }
    }
}
