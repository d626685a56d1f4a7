import Foundation
import JSONCore
import TestSupport
import Testing

/// `switchboard config validate|show|import`, configuration discovery and YAML, through the built binaries.
@Suite("switchboard config")
struct ConfigCommandTests {
    func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: String? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        try Peers.require(Peers.switchboard)
        return try await ExternalProcess.run(Peers.switchboard, arguments, environment: environment, directory: directory)
    }

    var demo: String { Peers.switchboard }

    @Test("validate: exit 0 with a summary for a good file; exit 2 with file:line:column and a suggestion for a bad one")
    func validate() async throws {
        let good = #"{"mcpServers": {"demo": {"command": "\#(demo)", "args": ["demo-server"], "colour": "blue"}}}"#
        try await withTemporaryFolder(files: [
            "good.json": good,
            "bad.json":
                "{\"mcpServers\": {\n  \"demo\": {\"command\": \"x\",\n    \"switchboard\": {\"interceptors\": [\"metrix\"], \"timeoutSecs\": 3}}}}",
        ]) { folder in
            let ok = try await run(["config", "validate", folder + "/good.json"])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout.contains("valid; 1 server, 0 errors, 1 warning"))
            #expect(ok.stderr.contains("good.json:1:"), "\(ok.stderr)")
            #expect(ok.stderr.contains(#"warning: server "demo": unknown key "colour" is ignored"#))

            let bad = try await run(["config", "validate", folder + "/bad.json"])
            #expect(bad.status == 2)
            #expect(
                bad.stderr.contains(#"bad.json:3:49: error: server "demo": unknown setting "timeoutSecs"; did you mean "timeoutSeconds"?"#),
                "\(bad.stderr)"
            )
            let json = try await run(["config", "validate", "--config", folder + "/bad.json", "--json"])
            let document = try JSONValue(parsing: json.stdout)
            #expect(document["valid"] == false)
            #expect(document["diagnostics"]?.arrayValue?.first?["line"] == 3)
        }
    }

    @Test("validate also makes each interceptor chain: an unknown interceptor is named with its line")
    func interceptors() async throws {
        let text = "{\"mcpServers\": {\"demo\": {\"command\": \"x\",\n \"switchboard\": {\"interceptors\": [\"metrix\"]}}}}"
        try await withTemporaryFile(named: "c.json", contents: text) { path in
            let out = try await run(["config", "validate", path])
            #expect(out.status == 2)
            #expect(
                out.stderr.contains(#"c.json:2:18: error: server "demo": unknown interceptor "metrix"; did you mean "metrics"?"#),
                "\(out.stderr)"
            )
        }
    }

    @Test("show expands variables and applies defaults, and never prints a secret")
    func show() async throws {
        let text = #"""
            {"switchboard": {"timeoutSeconds": 12},
             "mcpServers": {"api": {"url": "https://user:pw@api.example/mcp?api_key=${KEY}", "headers": {"Authorization": "Bearer ${TOKEN}"}},
                            "local": {"command": "srv", "args": ["--token", "${TOKEN}"], "env": {"SERVICE_TOKEN": "${TOKEN}", "LEVEL": "${LEVEL:-info}"}}}}
            """#
        try await withTemporaryFile(named: "c.json", contents: text) { path in
            let out = try await run(["config", "show", path], environment: ["TOKEN": "s3cr3t-value", "KEY": "k3y-value"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(!out.stdout.contains("s3cr3t-value") && !out.stdout.contains("k3y-value") && !out.stdout.contains("pw@"))
            let shown = try JSONValue(parsing: out.stdout)
            #expect(shown["mcpServers"]?["local"]?["env"]?["LEVEL"] == "info")
            #expect(shown["mcpServers"]?["local"]?["switchboard"]?["timeoutSeconds"] == 12)
            #expect(shown["mcpServers"]?["api"]?["headers"]?["Authorization"] == "‹redacted›")

            let missing = try await run(["config", "show", path], environment: ["KEY": "k"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains(#"error: server "api": the variable TOKEN is not set"#), "\(missing.stderr)")
        }
    }

    @Test("import converts a VS Code file and a Claude Desktop file into one that validates")
    func importing() async throws {
        let vscode = #"""
            {
              // VS Code allows comments
              "inputs": [{"type": "promptString", "id": "gh-token", "password": true}],
              "servers": {
                "gh": {"type": "http", "url": "https://api.example/mcp", "headers": {"Authorization": "Bearer ${input:gh-token}"}},
                "fs": {"type": "stdio", "command": "npx", "args": ["-y", "server-fs", "${env:HOME}"]},
              }
            }
            """#
        let claude = #"{"globalShortcut": "", "mcpServers": {"t": {"command": "uvx", "args": ["mcp-server-time"], "autoApprove": ["x"]}}}"#
        try await withTemporaryFolder(files: ["mcp.json": vscode, "claude.json": claude]) { folder in
            let out = try await run(["config", "import", folder + "/mcp.json", "--output", folder + "/switchboard.json"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stderr.contains("set SWITCHBOARD_INPUT_GH_TOKEN in the environment"))
            let written = try JSONValue(parsing: String(contentsOfFile: folder + "/switchboard.json", encoding: .utf8))
            #expect(written["mcpServers"]?["gh"]?["headers"]?["Authorization"] == "Bearer ${SWITCHBOARD_INPUT_GH_TOKEN}")
            #expect(written["mcpServers"]?["fs"]?["args"]?.arrayValue?.last == "${HOME}")
            #expect(written["mcpServers"]?["fs"]?["type"] == nil)
            let checked = try await run(["config", "validate"], environment: ["SWITCHBOARD_INPUT_GH_TOKEN": "t"], directory: folder)
            #expect(checked.status == 0, "\(checked.stderr)")
            #expect(checked.stdout.contains("found by the current directory"))

            let again = try await run(["config", "import", folder + "/mcp.json", "--output", folder + "/switchboard.json"])
            #expect(again.status == 2)
            #expect(again.stderr.contains("--force"))

            let fromClaude = try await run(["config", "import", folder + "/claude.json"])
            #expect(fromClaude.status == 0)
            #expect(try JSONValue(parsing: fromClaude.stdout)["mcpServers"]?["t"] == ["command": "uvx", "args": ["mcp-server-time"]])
            #expect(fromClaude.stderr.contains(#"left out "autoApprove" of server "t""#))
            #expect(fromClaude.stderr.contains(#"left out the top-level "globalShortcut""#))
        }
    }

    @Test("a YAML file works the same, with its lines in errors (the lean binary hands it to switchboard-http)")
    func yaml() async throws {
        let good = """
            mcpServers:
              demo:
                command: \(demo)
                args: [demo-server]
                switchboard:
                  timeoutSeconds: 20
            """
        let bad = """
            mcpServers:
              demo:
                command: x
                switchboard:
                  replicas: lots
            """
        try await withTemporaryFolder(files: ["switchboard.yaml": good, "bad.yml": bad]) { folder in
            let called = try await run(["call", "echo", "text=from yaml", "--server", "demo"], directory: folder)
            #expect(called.status == 0, "\(called.stderr)")
            #expect(called.stdout == "from yaml\n")
            let checked = try await run(["config", "validate", folder + "/bad.yml"])
            #expect(checked.status == 2)
            #expect(
                checked.stderr.contains(#"bad.yml:5:7: error: server "demo": "replicas" must be a count or an array of endpoints, not string"#),
                "\(checked.stderr)"
            )
        }
    }

    @Test("--server finds the file by discovery: SWITCHBOARD_CONFIG, then ./switchboard.json")
    func discovery() async throws {
        let text = #"{"mcpServers": {"demo": {"command": "\#(demo)", "args": ["demo-server"]}, "off": {"command": "x", "disabled": true}}}"#
        try await withTemporaryFolder(files: ["here/switchboard.json": text, "elsewhere/c.json": text]) { folder in
            let here = try await run(["call", "echo", "text=a", "--server", "demo"], directory: folder + "/here")
            #expect(here.stdout == "a\n", "\(here.stderr)")
            let viaEnvironment = try await run(
                ["call", "echo", "text=b", "--server", "demo"],
                environment: ["SWITCHBOARD_CONFIG": folder + "/elsewhere/c.json"],
                directory: folder
            )
            #expect(viaEnvironment.stdout == "b\n", "\(viaEnvironment.stderr)")
            let typo = try await run(["call", "echo", "text=c", "--server", "dmeo"], directory: folder + "/here")
            #expect(typo.status == 2)
            #expect(typo.stderr.contains(#"did you mean "demo"?"#))
            let disabled = try await run(["tools", "--server", "off"], directory: folder + "/here")
            #expect(disabled.status == 2)
            #expect(disabled.stderr.contains("disabled"))
            let none = try await run(["tools", "--server", "demo"], environment: ["HOME": folder], directory: folder)
            #expect(none.status == 2)
            #expect(none.stderr.contains("needs a configuration file"))
        }
    }
}
