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
            let unknown = try await run(["call", "demo__ecko", "text=x"], directory: folder)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains(#"did you mean "demo__echo"?"#), "\(unknown.stderr)")
        }
    }
}
