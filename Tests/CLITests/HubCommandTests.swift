import Foundation
import JSONCore
import TestSupport
import Testing

/// `servers`, `tools` and `call` across every server of a configuration file.
@Suite("switchboard across many servers")
struct HubCommandTests {
    func run(_ arguments: [String], directory: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try Peers.require(Peers.switchboard)
        return try await ExternalProcess.run(Peers.switchboard, arguments, directory: directory)
    }

    var text: String {
        """
        {"mcpServers": {
          "demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"]},
          "time": {"command": "\(Peers.timeServer)"},
          "broken": {"command": "/nonexistent/mcp-server"}
        }}
        """
    }

    @Test("servers shows each server's state and the broken one's error, exit 3; tools and call work across the rest")
    func acrossServers() async throws {
        try Peers.require(Peers.timeServer)
        try await withTemporaryFolder(files: ["switchboard.json": text]) { folder in
            let servers = try await run(["servers", "--json"], directory: folder)
            #expect(servers.status == 3)
            let document = try JSONValue(parsing: servers.stdout)
            let states = document["servers"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
            #expect(states == ["ready", "ready", "failed"])
            #expect(document["servers"]?.arrayValue?.last?["error"]?.stringValue?.contains("/nonexistent/mcp-server") == true)

            let tools = try await run(["tools"], directory: folder)
            #expect(tools.status == 0, "\(tools.stderr)")
            #expect(tools.stdout.contains("demo__echo") && tools.stdout.contains("time__get_current_time"))
            #expect(tools.stderr.contains(#"warning: server "broken" is not available"#))

            let call = try await run(["call", "demo__add", "a=2", "b=40"], directory: folder)
            #expect(call.status == 0, "\(call.stderr)")
            #expect(call.stdout == "42\n")
            let bare = try await run(["call", "get_current_time", "timezone=UTC", "--json"], directory: folder)
            #expect(try JSONValue(parsing: bare.stdout)["structuredContent"]?["timezone"] == "UTC", "\(bare.stderr)")
            let prompts = try await run(["prompts"], directory: folder)
            #expect(prompts.stdout.contains("demo__summarize"), "\(prompts.stderr)")
            let prompt = try await run(["prompt", "demo__summarize", "--args", #"{"text": "abc"}"#], directory: folder)
            #expect(prompt.status == 0 && prompt.stdout.contains("abc"), "\(prompt.stderr)")
            let resources = try await run(["resources", "--json"], directory: folder)
            let listed = try JSONValue(parsing: resources.stdout)["resources"]?.arrayValue ?? []
            #expect(listed.contains { $0["server"] == "demo" && $0["uri"] == "demo://readme" })
            let read = try await run(["read", "demo://readme"], directory: folder)
            #expect(read.status == 0 && !read.stdout.isEmpty, "\(read.stderr)")
            let table = try await run(["servers"], directory: folder)
            #expect(table.stdout.contains("breaker") && table.stdout.contains("closed") && table.stdout.contains("1/1"), "\(table.stdout)")

            let unknown = try await run(["call", "demo__ecko", "text=x"], directory: folder)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains(#"did you mean "demo__echo"?"#), "\(unknown.stderr)")
        }
    }

    @Test("doctor names each server's first failing step with a fix; exit 3 when any fails")
    func doctor() async throws {
        let text = """
            {"mcpServers": {
              "demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"]},
              "missing": {"command": "no-such-mcp-server-anywhere"},
              "dies": {"command": "/bin/sh", "args": ["-c", "echo 'need API_KEY' >&2; exit 2"]},
              "refused": {"url": "http://127.0.0.1:1/mcp"}
            }}
            """
        try await withTemporaryFolder(files: ["c.json": text]) { folder in
            let out = try await run(["doctor", "--config", folder + "/c.json", "--json", "--timeout", "5"])
            #expect(out.status == 3, "\(out.stderr)")
            let servers = try JSONValue(parsing: out.stdout)["servers"]?.arrayValue ?? []
            func failing(_ name: String) -> JSONValue? {
                servers.first { $0["server"]?.stringValue == name }?["steps"]?.arrayValue?.first { $0["passed"] == false }
            }
            #expect(servers.first { $0["server"] == "demo" }?["passed"] == true)
            #expect(failing("missing")?["step"] == "command found")
            #expect(failing("dies")?["step"] == "process starts")
            #expect(failing("dies")?["detail"]?.stringValue?.contains("need API_KEY") == true)
            #expect(failing("refused")?["step"] == "endpoint answers")
            #expect(failing("refused")?["hint"]?.stringValue?.isEmpty == false)
            let one = try await run(["doctor", "--config", folder + "/c.json", "--server", "demo"])
            #expect(one.status == 0, "\(one.stdout)")
            #expect(one.stdout.contains("ok   tools listed"))
        }
    }
}
