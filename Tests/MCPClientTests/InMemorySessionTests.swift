import DemoServer
import JSONCore
import JSONSchema
import MCPClient
import MCPServer
import MCPTesting
import MCPWire
import Synchronization
import TestSupport
import Testing

@Suite("Client session against the demo server, in memory")
struct InMemorySessionTests {
    static let bothEras: [ProtocolVersion?] = [nil, .v2025_11_25, .v2025_06_18, .v2025_03_26, .v2024_11_05]

    @Test("negotiates the newest version by default, or the pinned one", arguments: bothEras)
    func negotiation(pinned: ProtocolVersion?) async throws {
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(pinnedVersion: pinned)) { session async throws in
            #expect(session.protocolVersion == (pinned ?? .v2026_07_28))
            #expect(session.era == (pinned?.era ?? .modern))
            #expect(session.serverInfo?.name == DemoServer.name)
            #expect(session.serverCapabilities.supportsTools)
        }
    }

    @Test("tools list and call, in both eras", arguments: bothEras)
    func toolsCall(pinned: ProtocolVersion?) async throws {
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(pinnedVersion: pinned)) { session async throws in
            let tools = try await session.allTools()
            #expect(Set(tools.map(\.name)).isSuperset(of: ["echo", "add", "sleep", "fail", "stats", "confirm_action"]))
            let echo = try await session.callTool("echo", arguments: ["text": "hello"])
            #expect(echo.text == "hello")
            #expect(echo.isError == false)
            let sum = try await session.callTool("add", arguments: ["a": 2, "b": 3])
            #expect(sum.structuredContent?["sum"] == .int(5))
            let failed = try await session.callTool("fail")
            #expect(failed.isError)
        }
    }

    @Test("arguments that break the schema are refused before sending, naming the field")
    func invalidArguments() async throws {
        try await withTestSession(server: DemoServer.make()) { session async throws in
            await #expect {
                try await session.callTool("add", arguments: ["a": "two"])
            } throws: { error in
                guard let error = error as? MCPError, error.code == .invalidArguments else { return false }
                return error.violations.contains { $0.field == "a" && $0.keyword == "type" }
                    && error.violations.contains { $0.field == "b" && $0.keyword == "required" }
            }
        }
    }

    @Test("structured content is checked against the output schema")
    func structuredContent() async throws {
        try await withTestSession(server: DemoServer.make()) { session async throws in
            let stats = try await session.callTool("stats", arguments: ["numbers": [1, 2, 3, 6]])
            #expect(stats.structuredContent?["mean"] == .double(3))
            #expect(stats.structuredContent?["count"] == .int(4))
        }
    }

    @Test("progress notifications reach the request's callback", arguments: [nil, ProtocolVersion.v2025_06_18])
    func progress(pinned: ProtocolVersion?) async throws {
        let seen = Mutex<[Double]>([])
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(pinnedVersion: pinned)) { session async throws in
            let result = try await session.callTool(
                "sleep",
                arguments: ["ms": 50, "steps": 5],
                options: RequestOptions(onProgress: { progress in seen.withLock { $0.append(progress.progress) } })
            )
            #expect(result.text == "slept 50 ms")
        }
        #expect(seen.withLock { $0 } == [1, 2, 3, 4, 5])
    }

    @Test("the deadline fires and a late answer is ignored", .timeLimit(.minutes(1)))
    func deadline() async throws {
        try await withTestSession(server: DemoServer.make()) { session async throws in
            // The answer would take ten minutes, past the test's time limit: only the deadline ends it.
            await #expect {
                try await session.callTool("sleep", arguments: ["ms": 600_000, "steps": 1], options: RequestOptions(timeout: .milliseconds(100)))
            } throws: { error in
                guard let error = error as? MCPError, error.code == .timeout else { return false }
                return error.timedOutAfterSeconds.map { $0 < 1 } == true
            }
            // The session is still usable afterwards.
            #expect(try await session.callTool("echo", arguments: ["text": "after"]).text == "after")
        }
    }

    @Test("task cancellation cancels the request")
    func cancellation() async throws {
        try await withTestSession(server: DemoServer.make()) { session async throws in
            let call = Task { try await session.callTool("sleep", arguments: ["ms": 5000, "steps": 1]) }
            try await Task.sleep(for: .milliseconds(50))
            call.cancel()
            await #expect {
                try await call.value
            } throws: { error in
                (error as? MCPError)?.code == .cancelled
            }
            #expect(session.requestsInFlight == 0)
        }
    }

    @Test("elicitation works as a pushed request (legacy) and as input_required (modern)", arguments: [nil, ProtocolVersion.v2025_11_25])
    func elicitation(pinned: ProtocolVersion?) async throws {
        let asked = Mutex<[String]>([])
        let handlers = ClientHandlers(elicitation: { params in
            asked.withLock { $0.append(params.message) }
            return ElicitResult(action: .accept, content: ["confirm": true])
        })
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(handlers: handlers, pinnedVersion: pinned)) {
            session async throws in
            let result = try await session.callTool("confirm_action", arguments: ["action": "deploy"])
            #expect(result.text == "confirmed: deploy")
        }
        #expect(asked.withLock { $0 } == ["Do you want to deploy?"])
    }

    @Test("sampling works in both eras", arguments: [nil, ProtocolVersion.v2025_06_18])
    func sampling(pinned: ProtocolVersion?) async throws {
        let handlers = ClientHandlers(sampling: { params in
            CreateMessageResult(content: .text("echo: " + (params.messages.first?.content.first?.text ?? "")), model: "test-model")
        })
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(handlers: handlers, pinnedVersion: pinned)) {
            session async throws in
            let result = try await session.callTool("ask_model", arguments: ["question": "why?"])
            #expect(result.text == "test-model: echo: why?")
        }
    }

    @Test("many requests in flight at once on one connection")
    func concurrency() async throws {
        try await withTestSession(server: DemoServer.make()) { session async throws in
            try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<200 {
                    group.addTask { try await session.callTool("echo", arguments: ["text": .string("m\(i)")]).text }
                }
                var answers = Set<String>()
                for try await answer in group { answers.insert(answer) }
                #expect(answers.count == 200)
            }
        }
    }

    @Test("pagination walks every page", arguments: [nil, ProtocolVersion.v2025_06_18])
    func pagination(pinned: ProtocolVersion?) async throws {
        let server = DemoServer.make(options: Server.Options(pageSize: 2))
        try await withTestSession(server: server, configuration: ClientConfiguration(pinnedVersion: pinned)) { session async throws in
            let first = try await session.listTools()
            #expect(first.tools.count == 2)
            #expect(first.nextCursor != nil)
            let all = try await session.allTools()
            #expect(all.count == 8)
            #expect(Set(all.map(\.name)).count == 8)
        }
    }

    @Test("resources, templates, prompts and completion", arguments: [nil, ProtocolVersion.v2025_03_26])
    func resourcesAndPrompts(pinned: ProtocolVersion?) async throws {
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(pinnedVersion: pinned)) { session async throws in
            let resources = try await session.allResources()
            #expect(resources.map(\.uri).contains("demo://readme"))
            let readme = try await session.readResource("demo://readme")
            #expect(readme.contents.first?.text?.contains("demo server") == true)
            let templates = try await session.allResourceTemplates()
            #expect(templates.first?.uriTemplate == "demo://greeting/{name}")
            let greeting = try await session.readResource("demo://greeting/Ada")
            #expect(greeting.contents.first?.text == "Hello, Ada!")
            let prompt = try await session.getPrompt("summarize", arguments: ["text": "long text", "style": "brief"])
            #expect(prompt.messages.first?.content.text?.contains("long text") == true)
            let completion = try await session.complete(.prompt(name: "summarize"), argument: "style", value: "b")
            #expect(completion.values == ["brief", "bullet-points"])
            await #expect {
                try await session.readResource("demo://missing")
            } throws: { error in
                (error as? MCPError)?.code == .serverError
            }
        }
    }

    @Test("resource update notifications arrive after subscribing", arguments: [nil, ProtocolVersion.v2025_06_18])
    func resourceUpdates(pinned: ProtocolVersion?) async throws {
        try await withTestSession(server: DemoServer.make(), configuration: ClientConfiguration(pinnedVersion: pinned)) { session async throws in
            let notifications = session.notifications()
            try await session.subscribe(toResource: "demo://counter")
            _ = try await session.callTool("increment", arguments: ["by": 2])
            var received: String?
            for await notification in notifications {
                if case .resourceUpdated(let uri) = notification {
                    received = uri
                    break
                }
            }
            #expect(received == "demo://counter")
            #expect(try await session.readResource("demo://counter").contents.first?.text == "2")
        }
    }
}
