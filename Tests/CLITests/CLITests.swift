import Foundation
import JSONCore
import TestSupport
import Testing

/// The built `switchboard` binary, run as a user would: output, `--json` documents and exit codes.
@Suite("switchboard command line")
struct CLITests {
    func run(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
        try Peers.require(Peers.switchboard)
        return try await ExternalProcess.run(Peers.switchboard, arguments)
    }

    func json(_ text: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: text).objectValue, "not a JSON object: \(text)")
    }

    @Test("info --json against the built-in demo server names version, era and transport")
    func info() async throws {
        let out = try await run("info", "--json")
        #expect(out.status == 0, "\(out.stderr)")
        let document = try json(out.stdout)
        #expect(document["protocolVersion"] == "2026-07-28")
        #expect(document["era"] == "modern")
        #expect(document["transport"] == "stdio")
        #expect(document["serverInfo"]?["name"] == "switchboard-demo")
    }

    @Test("a pinned legacy version is used and reported")
    func pinnedVersion() async throws {
        let out = try await run("info", "--json", "--protocol-version", "2025-03-26")
        #expect(try json(out.stdout)["protocolVersion"] == "2025-03-26")
        #expect(try json(out.stdout)["era"] == "legacy")
    }

    @Test("call with key=value pairs typed by the schema")
    func callPairs() async throws {
        let out = try await run("call", "add", "a=2", "b=40", "--json")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try json(out.stdout)["structuredContent"]?["sum"] == .int(42))
        let text = try await run("call", "echo", "text=hello world")
        #expect(text.stdout == "hello world\n")
    }

    @Test("call --args JSON")
    func callJSON() async throws {
        let out = try await run("call", "stats", "--args", #"{"numbers":[2,4]}"#, "--json")
        #expect(try json(out.stdout)["structuredContent"]?["mean"] == .double(3))
    }

    @Test("exit 1 when the tool reports an error")
    func toolError() async throws {
        let out = try await run("call", "fail")
        #expect(out.status == 1)
        #expect(out.stdout.contains("failed"))
    }

    @Test("exit 2 for arguments the schema refuses, naming the field and rule")
    func invalidArguments() async throws {
        let wrongType = try await run("call", "add", "a=two", "b=1")
        #expect(wrongType.status == 2)
        #expect(wrongType.stderr.contains("'a'"))
        let missing = try await run("call", "add", "--args", #"{"a": 1}"#)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("b") && missing.stderr.contains("required"))
        let usage = try await run("call")
        #expect(usage.status != 0)
    }

    @Test("exit 3 when the server cannot be started")
    func connectionFailure() async throws {
        let out = try await run("tools", "--stdio", "definitely-not-a-command-xyz")
        #expect(out.status == 3)
        #expect(out.stderr.contains("definitely-not-a-command-xyz"))
    }

    @Test("exit 4 on timeout")
    func timeout() async throws {
        let out = try await run("call", "sleep", "ms=5000", "--timeout", "0.5")
        #expect(out.status == 4)
        #expect(out.stderr.contains("timed out"))
    }

    @Test("bench --json prints exactly the documented keys")
    func bench() async throws {
        let out = try await run("bench", "--tool", "echo", "--args", #"{"text":"x"}"#, "-n", "200", "--concurrency", "4", "--json")
        #expect(out.status == 0, "\(out.stderr)")
        let document = try json(out.stdout)
        #expect(Set(document.keys) == ["calls", "concurrency", "calls_per_s", "p50_us", "p90_us", "p99_us", "errors", "init_ms"])
        #expect(document["calls"] == 200)
        #expect(document["concurrency"] == 4)
        #expect(document["errors"] == 0)
        #expect((document["calls_per_s"]?.doubleValue ?? 0) > 0)
        #expect(out.stdout.split(separator: "\n").count == 1)
    }

    @Test("resources, templates, read, prompts and prompt")
    func listings() async throws {
        #expect(try await run("resources").stdout.contains("demo://readme"))
        #expect(try await run("templates").stdout.contains("demo://greeting/{name}"))
        #expect(try await run("read", "demo://greeting/Ada").stdout == "Hello, Ada!\n")
        #expect(try await run("prompts").stdout.contains("summarize"))
        let prompt = try await run("prompt", "summarize", "--args", #"{"text":"xyz"}"#, "--json")
        #expect(try json(prompt.stdout)["messages"]?.arrayValue?.count == 1)
    }

    @Test("a config file in the common mcpServers shape selects a server")
    func configFile() async throws {
        let config = #"{"mcpServers": {"demo": {"command": "\#(Peers.switchboard)", "args": ["demo-server"], "env": {"X": "1"}}}}"#
        try await withTemporaryFile(named: "mcp.json", contents: config) { file in
            let out = try await run("call", "echo", "text=via config", "--config", file, "--server", "demo")
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "via config\n")
            let missing = try await run("tools", "--config", file, "--server", "nope")
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("demo"))
        }
    }

    @Test("over HTTP against the demo server, and --stdio with a quoted command line")
    func httpAndStdio() async throws {
        let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port)] }
        defer { server.stop() }
        let http = try await run("info", "--url", server.url, "--json")
        #expect(try json(http.stdout)["transport"] == "streamable-http")
        let stdio = try await run("call", "echo", "text=ok", "--stdio", "'\(Peers.switchboard)' demo-server")
        #expect(stdio.stdout == "ok\n")
    }
}
