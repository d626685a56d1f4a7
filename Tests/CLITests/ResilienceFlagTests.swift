import Foundation
import JSONCore
import TestSupport
import Testing

/// The resilience flags and commands, through the built binary: `--trace`, `--retry`,
/// `--no-cache`, `metrics`, and interceptor mistakes in a configuration file.
@Suite("switchboard resilience flags")
struct ResilienceFlagTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try Peers.require(Peers.switchboard)
        return try await ExternalProcess.run(Peers.switchboard, arguments)
    }

    /// How many times each chaos tool ran at `url`, as the server counts them.
    func executions(_ url: String) async throws -> JSONObject {
        let out = try await run(["call", "executions", "--url", url, "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        return try #require(try JSONValue(parsing: out.stdout)["structuredContent"]?.objectValue)
    }

    @Test("call --trace prints each interceptor's step on stderr, and --no-cache shows as a bypass")
    func trace() async throws {
        let chaos = "'\(Peers.switchboard)' demo-server --chaos"
        let out = try await run(["call", "lookup", "key=a", "--stdio", chaos, "--trust-annotations", "--trace"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "value of a\n")
        let lines = out.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "trace:")
        let steps = lines.dropFirst().compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.map(String.init) }
        #expect(steps.first == "cache")
        #expect(steps.contains("breaker"))
        #expect(steps.contains("deadline"))
        #expect(steps.last == "metrics")
        #expect(out.stderr.contains("miss"))
        let bypassed = try await run(["call", "lookup", "key=a", "--stdio", chaos, "--trust-annotations", "--no-cache", "--trace"])
        #expect(bypassed.stderr.contains("bypassed for this call"))
    }

    @Test("--retry N repeats an idempotent call that failed, and never a destructive one")
    func retry() async throws {
        let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port), "--chaos"] }
        defer { server.stop() }
        let url = server.url
        #expect(try await run(["call", "chaos", "mode=error", "count=1", "--url", url]).status == 0)
        let retried = try await run(["call", "lookup", "key=k", "--url", url, "--trust-annotations", "--retry", "2", "--trace"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stderr.contains("attempt 2"))
        #expect(try await executions(url)["lookup"] == .int(2))

        #expect(try await run(["call", "chaos", "mode=error", "count=1", "--url", url]).status == 0)
        let destructive = try await run(["call", "write_record", "key=k", "value=v", "--url", url, "--trust-annotations", "--retry", "3"])
        #expect(destructive.status == 3, "\(destructive.stderr)")
        #expect(destructive.stderr.contains("injected failure") || destructive.stderr.contains("503"))
        #expect(try await executions(url)["write_record"] == .int(1))

        #expect(try await run(["call", "chaos", "mode=error", "count=1", "--url", url]).status == 0)
        let once = try await run(["call", "lookup", "key=k", "--url", url, "--trust-annotations", "--retry", "0"])
        #expect(once.status == 3)
        #expect(try await executions(url)["lookup"] == .int(3))
    }

    @Test("metrics runs the command, then prints the Prometheus exposition of what it did")
    func metrics() async throws {
        let out = try await run(["metrics", "call", "echo", "text=measured"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("measured\n"))
        #expect(out.stdout.contains("# TYPE switchboard_requests_total counter"))
        #expect(out.stdout.contains(#"switchboard_requests_total{server="switchboard-demo",method="tools/call",tool="echo",outcome="ok"} 1"#))
        #expect(out.stdout.contains(#"switchboard_request_duration_seconds_count{server="switchboard-demo",method="tools/call",tool="echo"} 1"#))
        #expect(out.stdout.contains(#"switchboard_requests_in_flight{server="switchboard-demo"} 0"#))
        #expect(out.stdout.contains(#"switchboard_cache_total{server="switchboard-demo",result="miss"}"#))
        let failing = try await run(["metrics", "call", "nope"])
        #expect(failing.status != 0)
        #expect(failing.stdout.contains("switchboard_requests_total"))
    }

    @Test("an interceptor mistake in the configuration file exits 2 with the file and a suggestion")
    func configurationMistake() async throws {
        let config = #"""
            {"mcpServers": {"demo": {"command": "\#(Peers.switchboard)", "args": ["demo-server"],
                                     "switchboard": {"interceptors": [{"name": "retry", "maxAtempts": 3}]}}}}
            """#
        try await withTemporaryFile(named: "mcp.json", contents: config) { file in
            let out = try await run(["tools", "--config", file, "--server", "demo"])
            #expect(out.status == 2)
            #expect(out.stderr.contains(file))
            #expect(out.stderr.contains(#"did you mean "maxAttempts"?"#))
            #expect(!out.stderr.contains("Usage:"))
        }
    }

    @Test("a changed tool is blocked by pinning until `pins --approve` accepts it")
    func pinning() async throws {
        try await withTemporaryFile(named: "pins.json", contents: "{}") { pinFile in
            let config = #"""
                {"mcpServers": {"demo": {"command": "\#(Peers.switchboard)", "args": ["demo-server"],
                                         "switchboard": {"interceptors": [{"name": "pinning", "file": "\#(pinFile)"}]}}}}
                """#
            try await withTemporaryFile(named: "mcp.json", contents: config) { configFile in
                let server = ["--config", configFile, "--server", "demo"]
                let unpinned = try await run(["pins", "--json"] + server)
                #expect(unpinned.status == 0, "\(unpinned.stderr)")
                #expect(unpinned.stdout.contains(#""state": "unpinned""#))
                // First sight pins every tool.
                #expect(try await run(["call", "echo", "text=first"] + server).stdout == "first\n")
                let approved = try JSONValue(parsing: try await run(["pins", "--json"] + server).stdout)
                let states = approved["tools"]?.arrayValue?.compactMap { $0["state"]?.stringValue } ?? []
                #expect(!states.isEmpty && states.allSatisfy { $0 == "approved" })
                // Someone's echo is not the one approved: alter its pin as a changed server would.
                var pins = try #require(try JSONValue(parsing: String(contentsOfFile: pinFile, encoding: .utf8)).objectValue)
                pins["demo/echo"] = .string(String(repeating: "0", count: 64))
                try JSONValue.object(pins).serializedString().write(toFile: pinFile, atomically: true, encoding: .utf8)
                let blocked = try await run(["call", "echo", "text=second"] + server)
                #expect(blocked.status == 3)
                #expect(blocked.stderr.contains("changed since it was approved"))
                #expect(blocked.stderr.contains("switchboard pins --approve"))
                let review = try await run(["pins"] + server)
                #expect(review.status == 1)
                #expect(review.stdout.contains("changed"))
                #expect(try await run(["pins", "--approve", "echo"] + server).status == 0)
                #expect(try await run(["call", "echo", "text=third"] + server).stdout == "third\n")
                let unknown = try await run(["pins", "--approve", "nope"] + server)
                #expect(unknown.status == 2)
                #expect(unknown.stderr.contains("no tool named 'nope'"))
            }
        }
    }
}
