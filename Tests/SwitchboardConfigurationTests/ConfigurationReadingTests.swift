import JSONCore
import MCPTransport
import MCPWire
import SwitchboardConfiguration
import TestSupport
import Testing

/// Reads `text` as `file` with `environment`; the diagnostics when it fails.
private func load(_ text: String, file: String = "/work/project/mcp.json", environment: [String: String] = [:]) throws -> SwitchboardConfiguration {
    try ConfigurationLoader(environment: environment, currentDirectory: "/work/project").parse(text, file: file)
}

private func errors(_ text: String, file: String = "/work/project/mcp.json", environment: [String: String] = [:]) -> [String] {
    do {
        _ = try load(text, file: file, environment: environment)
        return []
    } catch let error as ConfigError {
        return error.errors.map(\.description)
    } catch {
        return ["unexpected \(error)"]
    }
}

@Suite("Reading configuration files of every common shape")
struct ConfigurationShapeTests {
    @Test("Claude Desktop / Cursor / .mcp.json: command, args, env, cwd; url with each type")
    func commonShape() throws {
        let configuration = try load(
            """
            {
              "mcpServers": {
                "files": {"command": "npx", "args": ["-y", "server-files", "/tmp"], "env": {"DEBUG": "1", "PORT": 8080}, "cwd": "sub"},
                "remote": {"url": "https://example.com/mcp", "headers": {"X-Team": "core"}},
                "legacy": {"type": "sse", "url": "http://127.0.0.1:9000/sse"},
                "s1": {"type": "streamable-http", "url": "http://a/mcp"},
                "s2": {"type": "streamable_http", "url": "http://b/mcp"},
                "s3": {"type": "http", "url": "http://c/mcp"},
                "off": {"command": "x", "disabled": true, "autoApprove": ["read"]}
              }
            }
            """
        )
        #expect(configuration.servers.map(\.name) == ["files", "remote", "legacy", "s1", "s2", "s3", "off"])
        #expect(
            configuration.servers[0].primary
                == .stdio(
                    ProcessConfiguration(
                        command: "npx",
                        arguments: ["-y", "server-files", "/tmp"],
                        environment: ["DEBUG": "1", "PORT": "8080"],
                        workingDirectory: "/work/project/sub"
                    )
                )
        )
        #expect(configuration.servers[1].primary == .http(url: "https://example.com/mcp", headers: ["X-Team": "core"], transport: .automatic))
        #expect(configuration.servers[2].primary == .http(url: "http://127.0.0.1:9000/sse", headers: [:], transport: .sse))
        #expect(configuration.servers[3...5].allSatisfy { if case .http(_, _, .automatic) = $0.primary { true } else { false } })
        #expect(configuration.servers[6].disabled)
        #expect(configuration.enabledServers.count == 6)
        #expect(configuration.warnings.isEmpty)
    }

    @Test("VS Code mcp.json: servers, inputs, comments, trailing commas, ${input:...} and ${workspaceFolder}")
    func vsCodeShape() throws {
        let text = """
            {
              // Inputs VS Code would prompt for.
              "inputs": [{"type": "promptString", "id": "api-key", "description": "Service API key", "password": true}],
              "servers": {
                "svc": {
                  "type": "http",
                  "url": "https://svc.example/mcp",
                  "headers": {"Authorization": "Bearer ${input:api-key}"}, /* trailing comma next */
                },
                "local": {"type": "stdio", "command": "${workspaceFolder}/bin/server", "args": ["--home", "${env:HOME}"]},
              },
            }
            """
        let configuration = try load(
            text,
            file: "/work/project/.vscode/mcp.json",
            environment: ["SWITCHBOARD_INPUT_API_KEY": "k-123", "HOME": "/home/me"]
        )
        #expect(
            configuration.servers[0].primary
                == .http(url: "https://svc.example/mcp", headers: ["Authorization": "Bearer k-123"], transport: .automatic)
        )
        #expect(
            configuration.servers[1].primary == .stdio(ProcessConfiguration(command: "/work/project/bin/server", arguments: ["--home", "/home/me"]))
        )

        let missing = errors(text, file: "/work/project/.vscode/mcp.json", environment: ["HOME": "/h"])
        #expect(
            missing == [
                "/work/project/.vscode/mcp.json:8:19: error: server \"svc\": ${input:api-key} (Service API key) has no value: set SWITCHBOARD_INPUT_API_KEY in the environment"
            ]
        )
    }

    @Test("VS Code settings.json keeps its servers under \"mcp\"")
    func vsCodeSettings() throws {
        let configuration = try load(#"{"editor.fontSize": 14, "mcp": {"servers": {"a": {"command": "x"}}}}"#)
        #expect(configuration.servers.map(\.name) == ["a"])
    }

    @Test("other clients' spellings: Windsurf serverUrl, Gemini httpUrl and tool filters, Cline transportType")
    func otherSpellings() throws {
        let configuration = try load(
            """
            {"mcpServers": {
              "w": {"serverUrl": "https://w/mcp"},
              "g": {"httpUrl": "https://g/mcp", "includeTools": ["get_*"], "excludeTools": ["get_secret"], "trust": true, "timeout": 30000},
              "c": {"url": "https://c/sse", "transportType": "sse", "alwaysAllow": []}
            }}
            """
        )
        #expect(configuration.servers[0].primary == .http(url: "https://w/mcp", headers: [:], transport: .automatic))
        let gemini = configuration.servers[1].settings
        #expect(gemini.offersTool("get_time") && !gemini.offersTool("get_secret") && !gemini.offersTool("delete"))
        #expect(configuration.servers[2].primary == .http(url: "https://c/sse", headers: [:], transport: .sse))
        #expect(configuration.warnings.isEmpty)
    }

    @Test("Switchboard's settings: per server over the file's defaults; replicas as a count or a list")
    func settings() throws {
        let configuration = try load(
            """
            {
              "switchboard": {"separator": ".", "timeoutSeconds": 30, "balancing": "round-robin", "interceptors": ["metrics"]},
              "mcpServers": {
                "pool": {"command": "srv", "args": ["--port", "90${REPLICA}"],
                         "switchboard": {"replicas": 3, "timeoutSeconds": 5, "health": {"intervalSeconds": 2}, "restart": {"maxRestarts": 2}}},
                "mixed": {"url": "http://a/mcp",
                          "switchboard": {"replicas": [{}, {"url": "http://b/mcp"}, {"command": "local-srv"}], "denyTools": ["drop_*"]}}
              }
            }
            """,
            environment: ["TOKEN": "t0k"]
        )
        #expect(configuration.separator == ".")
        let pool = configuration.servers[0]
        #expect(pool.endpoints.map(\.description) == ["stdio: srv --port 900", "stdio: srv --port 901", "stdio: srv --port 902"])
        let settings = configuration.effectiveSettings(of: pool)
        #expect(settings.timeoutSeconds == 5 && settings.balancing == .roundRobin && settings.interceptors == ["metrics"])
        #expect(settings.health?.intervalSeconds == 2 && settings.health?.ejectAfterFailures == 3)
        #expect(settings.restart?.maxRestarts == 2 && settings.restart?.enabled == true)
        // A replica list mixes kinds: an empty override is the entry itself, a "command" replaces the URL.
        #expect(configuration.servers[1].endpoints.map(\.description) == ["http://a/mcp", "http://b/mcp", "stdio: local-srv"])
        #expect(!configuration.effectiveSettings(of: configuration.servers[1]).offersTool("drop_table"))
        // The stdio replica cannot carry a bearer token: an error, not a silently dropped secret.
        #expect(
            errors(
                #"{"mcpServers": {"m": {"url": "http://a/mcp", "switchboard": {"replicas": [{}, {"command": "x"}], "bearerToken": "s"}}}}"#
            ).first?.contains("\"bearerToken\" and \"headers\" apply to HTTP servers") == true
        )
        let http = try load(
            #"{"mcpServers": {"m": {"url": "http://a/mcp", "switchboard": {"replicas": [{}, {"url": "http://b/mcp"}], "bearerToken": {"env": "TOKEN"}, "balancing": "least-outstanding"}}}}"#,
            environment: ["TOKEN": "t0k"]
        )
        #expect(
            http.servers[0].endpoints == [
                .http(url: "http://a/mcp", headers: ["Authorization": "Bearer t0k"], transport: .automatic),
                .http(url: "http://b/mcp", headers: ["Authorization": "Bearer t0k"], transport: .automatic),
            ]
        )
        #expect(http.servers[0].settings.balancing == .leastOutstanding)
    }

    @Test("${VAR} and ${VAR:-default} in command, args, env, url and headers; $${ is a literal")
    func variables() throws {
        let configuration = try load(
            #"""
            {"mcpServers": {
              "a": {"command": "${BIN:-python3}", "args": ["${SCRIPT}", "$${NOT}"], "env": {"KEY": "${SECRET}"}},
              "b": {"url": "https://${HOST}/mcp", "headers": {"Authorization": "Bearer ${SECRET}"}}
            }}
            """#,
            environment: ["SCRIPT": "s.py", "SECRET": "xyz", "HOST": "h.example"]
        )
        #expect(
            configuration.servers[0].primary
                == .stdio(ProcessConfiguration(command: "python3", arguments: ["s.py", "${NOT}"], environment: ["KEY": "xyz"]))
        )
        #expect(
            configuration.servers[1].primary == .http(url: "https://h.example/mcp", headers: ["Authorization": "Bearer xyz"], transport: .automatic)
        )
    }
}

@Suite("Configuration errors: each kind, with its message and line")
struct ConfigurationErrorTests {
    @Test("an unknown Switchboard setting is an error with a suggestion")
    func unknownSetting() {
        let text = """
            {"mcpServers": {
              "a": {"command": "x",
                    "switchboard": {"trustAnotations": true}}
            }}
            """
        #expect(
            errors(text) == [
                #"/work/project/mcp.json:3:25: error: server "a": unknown setting "trustAnotations"; did you mean "trustAnnotations"?"#
            ]
        )
    }

    @Test("a misspelled common key is an error with a suggestion; an unrelated foreign key is only a warning")
    func unknownKeys() throws {
        #expect(
            errors(#"{"mcpServers": {"a": {"comand": "x"}}}"#) == [
                #"/work/project/mcp.json:1:23: error: server "a": unknown key "comand"; did you mean "command"?"#,
                #"/work/project/mcp.json:1:17: error: server "a": needs either "command" (a stdio server) or "url" (an HTTP server) (is "command" misspelled?)"#,
            ]
        )
        let configuration = try load(#"{"mcpServers": {"a": {"command": "x", "colour": "blue"}}, "globalShortcut": "Ctrl+Space"}"#)
        #expect(
            configuration.warnings.map(\.message) == [
                #"unknown top-level key "globalShortcut" is ignored"#,
                #"server "a": unknown key "colour" is ignored"#,
            ]
        )
    }

    @Test("a missing variable names the variable and the server")
    func missingVariable() {
        #expect(
            errors(#"{"mcpServers": {"gh": {"url": "https://api/mcp", "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}}}}"#) == [
                #"/work/project/mcp.json:1:62: error: server "gh": the variable GITHUB_TOKEN is not set (write ${GITHUB_TOKEN:-default} to give a default)"#
            ]
        )
    }

    @Test("wrong types name the key, the expected type and the type found")
    func wrongTypes() {
        let text = """
            {"mcpServers": {
              "a": {"command": "x", "args": "--verbose"},
              "b": {"url": 42},
              "c": {"command": "x", "switchboard": {"timeoutSeconds": "soon", "replicas": 0, "balancing": "round-robbin"}}
            }}
            """
        #expect(
            errors(text) == [
                #"/work/project/mcp.json:2:25: error: server "a": "args" must be an array of strings, not string"#,
                #"/work/project/mcp.json:3:9: error: server "b": "url" must be a string, not integer"#,
                #"/work/project/mcp.json:4:41: error: server "c": "timeoutSeconds" must be a number, not string"#,
                #"/work/project/mcp.json:4:82: error: server "c": unknown balancing "round-robbin"; did you mean "round-robin"? (use p2c, round-robin, least-outstanding)"#,
                #"/work/project/mcp.json:4:67: error: server "c": "replicas" must be between 1 and 64, not 0"#,
            ]
        )
    }

    @Test("a server name given twice is an error at the second, naming the first's line")
    func duplicateNames() {
        let text = """
            {"mcpServers": {
              "a": {"command": "x"},
              "a": {"command": "y"}
            }}
            """
        #expect(errors(text) == [#"/work/project/mcp.json:3:3: error: server "a" is defined twice (first at line 2)"#])
    }

    @Test("syntax errors name the line; a missing servers object says what is expected")
    func syntax() {
        #expect(errors("{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",}\n  ,}").first?.hasPrefix("/work/project/mcp.json:4:") == true)
        #expect(
            errors(#"{"mcpServer": {}}"#) == [
                #"/work/project/mcp.json:1:2: error: unknown top-level key "mcpServer"; did you mean "mcpServers"?"#,
                #"/work/project/mcp.json:1:1: error: no "mcpServers" object (VS Code files call it "servers")"#,
            ]
        )
        #expect(
            errors(#"{"mcpServers": {"a": {"url": "ftp://x"}}}"#) == [
                #"/work/project/mcp.json:1:23: error: server "a": "url" must start with http:// or https://, not "ftp://x""#
            ]
        )
    }
}

@Suite("Redaction, discovery and globs")
struct ConfigurationSupportTests {
    @Test("secrets are masked: header values, secret-sounding env and flags, URL credentials and key parameters")
    func redaction() {
        #expect(Redaction.header("Authorization", "Bearer x") == Redaction.mask)
        #expect(Redaction.header("Accept", "application/json") == "application/json")
        #expect(Redaction.environment("GITHUB_TOKEN", "x") == Redaction.mask)
        #expect(Redaction.environment("DEBUG", "1") == "1")
        #expect(
            Redaction.arguments(["--api-key", "k", "--token=t", "--verbose", "file"]) == [
                "--api-key", Redaction.mask, "--token=" + Redaction.mask, "--verbose", "file",
            ]
        )
        #expect(
            Redaction.url("https://me:pw@h.example/mcp?api_key=k&x=1#f")
                == "https://me:\(Redaction.mask)@h.example/mcp?api_key=\(Redaction.mask)&x=1#f"
        )
    }

    @Test("discovery order: --config, SWITCHBOARD_CONFIG, ./switchboard.json, ~/.config/switchboard/config.json")
    func discovery() async throws {
        try await withTemporaryFolder(files: ["work/switchboard.json": "{}", "home/.config/switchboard/config.json": "{}"]) { folder in
            let work = folder + "/work", home = folder + "/home"
            let here = ConfigurationLoader(environment: ["HOME": home], currentDirectory: work)
            #expect(here.locate(explicit: "given.json") == .init(path: "given.json", origin: "--config"))
            let fromEnvironment = ConfigurationLoader(environment: ["SWITCHBOARD_CONFIG": "/e.json", "HOME": home], currentDirectory: work)
            #expect(fromEnvironment.locate(explicit: nil) == .init(path: "/e.json", origin: "SWITCHBOARD_CONFIG"))
            #expect(here.locate(explicit: nil) == .init(path: work + "/switchboard.json", origin: "the current directory"))
            let elsewhere = ConfigurationLoader(environment: ["HOME": home], currentDirectory: folder)
            #expect(
                elsewhere.locate(explicit: nil) == .init(path: home + "/.config/switchboard/config.json", origin: "the user configuration folder")
            )
            #expect(ConfigurationLoader(environment: ["HOME": folder], currentDirectory: folder).locate(explicit: nil) == nil)
        }
    }

    @Test("tool globs: * and ?, deny wins over allow")
    func globs() {
        #expect(Glob.matches("get_*", "get_time") && Glob.matches("*", "") && Glob.matches("a?c", "abc") && !Glob.matches("a?c", "ac"))
        #expect(Glob.matches("*_issue*", "create_issue_comment") && !Glob.matches("get_*", "forget_it"))
        let settings = ServerSettings(allowTools: ["get_*", "list_*"], denyTools: ["get_secret*"])
        #expect(
            settings.offersTool("get_time") && settings.offersTool("list_x") && !settings.offersTool("get_secret_key") && !settings.offersTool("put")
        )
    }
}
