import Foundation
import JSONCore
import MCPClient
import MCPConnect
import MCPTransport
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub
import TestSupport
import Testing

/// A hub over `text` (a configuration file), started; closed after `body`.
func withHub(_ text: String, maintain: Bool = false, _ body: (Hub) async throws -> Void) async throws {
    let configuration = try ConfigurationLoader(environment: [:]).parse(text, file: "hub-test.json")
    let hub = Hub(configuration: configuration, connector: StandardConnector()) { server, settings in
        ClientConfiguration(
            pinnedVersion: settings.protocolVersion.map(ProtocolVersion.init(rawValue:)),
            defaultTimeout: .seconds(30),
            serverName: server.name
        )
    }
    await hub.start(timeout: .seconds(30), maintain: maintain)
    do {
        try await body(hub)
    } catch {
        await hub.close()
        throw error
    }
    await hub.close()
}

@Suite("Hub: many real servers behind one catalog", .serialized)
struct HubTests {
    @Test("mixed servers: Python SDK over stdio and HTTP, mcp-server-time from PyPI, the demo server; qualified catalog and a call to each")
    func mixed() async throws {
        try Peers.require(Peers.python)
        try Peers.require(Peers.timeServer)
        try Peers.require(Peers.switchboard)
        let http = try await HTTPPeer(Peers.python) { port in [Peers.pythonFixture, "--http", String(port)] }
        defer { http.stop() }
        let text = """
            {"mcpServers": {
              "pystdio": {"command": "\(Peers.python)", "args": ["\(Peers.pythonFixture)"]},
              "pyhttp": {"url": "\(http.url)", "switchboard": {"allowTools": ["echo", "add", "weather"]}},
              "time": {"command": "\(Peers.timeServer)"},
              "demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"], "switchboard": {"denyTools": ["sleep", "fail"]}}
            }}
            """
        try await withHub(text) { hub async throws in
            #expect(hub.statuses.map(\.phase) == [.ready, .ready, .ready, .ready], "\(hub.statuses.map { $0.error ?? "" })")
            let names = Set(hub.tools.map(\.qualifiedName))
            #expect(
                names.isSuperset(of: [
                    "pystdio__echo", "pystdio__hang", "pyhttp__echo", "pyhttp__weather", "time__get_current_time", "demo__echo", "demo__stats",
                ])
            )
            // The globs filter: pyhttp offers only what it allows, demo hides what it denies.
            #expect(hub.tools.filter { $0.server == "pyhttp" }.map(\.tool.name).sorted() == ["add", "echo", "weather"])
            #expect(!names.contains("demo__sleep") && !names.contains("demo__fail"))

            #expect(try await hub.callTool("pystdio__echo", arguments: ["text": "one"]).text == "one")
            #expect(try await hub.callTool("pyhttp__add", arguments: ["a": 2, "b": 3]).text == "5")
            let time = try await hub.callTool("time__get_current_time", arguments: ["timezone": "UTC"])
            #expect(time.structuredContent?["timezone"] == "UTC")
            #expect(try await hub.callTool("demo__echo", arguments: ["text": "four"]).text == "four")
            // A bare name that only one server offers routes to it.
            #expect(
                try await hub.callTool("convert_time", arguments: ["source_timezone": "UTC", "time": "12:00", "target_timezone": "UTC"]).isError
                    == false
            )
            // A filtered tool is refused by the hub, not sent.
            await #expect { try await hub.callTool("demo__sleep", arguments: ["ms": 1]) } throws: { ($0 as? MCPError)?.code == .invalidArguments }
        }
    }

    @Test("fail-open: a server whose command does not exist is reported with its error; the others work")
    func failOpen() async throws {
        try Peers.require(Peers.switchboard)
        let text = """
            {"mcpServers": {
              "missing": {"command": "/nonexistent/mcp-server"},
              "demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"]},
              "off": {"command": "x", "disabled": true}
            }}
            """
        try await withHub(text) { hub async throws in
            let statuses = hub.statuses
            #expect(statuses.map(\.phase.description) == ["failed", "ready", "disabled"])
            #expect(statuses[0].error?.contains("/nonexistent/mcp-server") == true)
            #expect(try await hub.callTool("demo__add", arguments: ["a": 1, "b": 1]).text == "2")
            await #expect { try await hub.callTool("missing__anything") } throws: { error in
                guard let error = error as? MCPError else { return false }
                return error.code == .connectionFailed && error.message.contains("not available")
            }
        }
    }

    @Test("a failed server is retried in the background and joins the catalog once it can start")
    func backgroundRetry() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            let script = folder + "/late-server.sh"
            let text = #"{"mcpServers": {"late": {"command": "\#(script)"}}}"#
            try await withHub(text, maintain: true) { hub async throws in
                #expect(hub.status(of: "late")?.phase.isFailed == true)
                // The command appears only now.
                try "#!/bin/sh\nexec '\(Peers.switchboard)' demo-server\n".write(toFile: script, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(30)
                while hub.status(of: "late")?.phase != .ready, clock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                #expect(hub.status(of: "late")?.phase == .ready)
                #expect((hub.status(of: "late")?.attempts ?? 0) >= 1)
                #expect(try await hub.callTool("late__echo", arguments: ["text": "made it"]).text == "made it")
            }
        }
    }

    @Test("a server that exits at once ends failed, with what it wrote to stderr")
    func exitsAtOnce() async throws {
        let text = #"{"mcpServers": {"dies": {"command": "/bin/sh", "args": ["-c", "echo 'fatal: no API key' >&2; exit 3"]}}}"#
        try await withHub(text) { hub async throws in
            let status = try #require(hub.status(of: "dies"))
            #expect(status.phase.isFailed)
            #expect(status.error?.contains("fatal: no API key") == true, "\(status.error ?? "")")
        }
    }

    @Test("collisions: two servers with the same tool are both reachable by qualified name, and the clash is reported")
    func collisions() async throws {
        try Peers.require(Peers.switchboard)
        try Peers.require(Peers.python)
        let text = """
            {"mcpServers": {
              "a": {"command": "\(Peers.switchboard)", "args": ["demo-server"]},
              "b": {"command": "\(Peers.python)", "args": ["\(Peers.pythonFixture)"]}
            }}
            """
        try await withHub(text) { hub async throws in
            #expect(hub.collisions.contains(ToolCollision(name: "echo", qualifiedNames: ["a__echo", "b__echo"])))
            #expect(try await hub.callTool("a__echo", arguments: ["text": "from a"]).text == "from a")
            #expect(try await hub.callTool("b__echo", arguments: ["text": "from b"]).text == "from b")
            await #expect { try await hub.callTool("echo", arguments: ["text": "?"]) } throws: { error in
                guard let error = error as? MCPError else { return false }
                return error.code == .invalidArguments && error.message.contains("a__echo, b__echo")
            }
        }
    }
}
