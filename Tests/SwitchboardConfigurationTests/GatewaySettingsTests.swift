import JSONCore
import SwitchboardConfiguration
import Testing

@Suite("The \"gateway\" settings")
struct GatewaySettingsTests {
    func load(_ gateway: String, environment: [String: String] = [:]) throws -> SwitchboardConfiguration {
        try ConfigurationLoader(environment: environment, currentDirectory: "/work/project")
            .parse(#"{"gateway": \#(gateway), "mcpServers": {}}"#, file: "/work/project/mcp.json")
    }

    func errors(_ gateway: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try load(gateway, environment: environment)
            return []
        } catch let error as ConfigError {
            return error.errors.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("API keys from the environment or by digest, with their roles")
    func apiKeys() throws {
        let digest = String(repeating: "ab", count: 32)
        let configuration = try load(
            #"{"apiKeys": [{"name": "alice", "key": {"env": "ALICE_KEY"}, "roles": ["reader", "writer"]}, {"name": "ci", "key": {"sha256": "\#(digest.uppercased())"}}], "roles": {"reader": {}, "writer": {}}}"#,
            environment: ["ALICE_KEY": "0123456789abcdef-alice"]
        )
        let keys = try #require(configuration.gateway?.apiKeys)
        #expect(
            keys == [
                .init(name: "alice", key: .secret("0123456789abcdef-alice"), roles: ["reader", "writer"]),
                .init(name: "ci", key: .sha256(digest), roles: []),
            ]
        )
        #expect(configuration.gateway?.anonymousRoles == nil)
        #expect(try load("{}").gateway == GatewaySettings())
        #expect(try ConfigurationLoader(environment: [:], currentDirectory: "/w").parse(#"{"mcpServers": {}}"#, file: "/w/a.json").gateway == nil)
    }

    @Test("roles: allow and deny globs per kind; anonymous callers' roles")
    func roles() throws {
        let configuration = try load(
            #"{"roles": {"reader": {"tools": ["docs__*"], "resources": ["file:///pub/*"], "deny": {"tools": ["docs__delete*"], "prompts": ["*"]}}, "guest": {"prompts": ["docs__hello"]}}, "anonymous": {"roles": ["guest"]}}"#
        )
        let gateway = try #require(configuration.gateway)
        #expect(
            gateway.roles == [
                "reader": .init(
                    allow: .init(tools: ["docs__*"], resources: ["file:///pub/*"]),
                    deny: .init(tools: ["docs__delete*"], prompts: ["*"])
                ),
                "guest": .init(allow: .init(prompts: ["docs__hello"])),
            ]
        )
        #expect(gateway.anonymousRoles == ["guest"])
        let summary = configuration.redactedSummary.serializedString()
        #expect(summary.contains(#""anonymous":{"roles":["guest"]}"#), "\(summary)")
        #expect(summary.contains(#""deny":{"tools":["docs__delete*"]"#), "\(summary)")
    }

    @Test("jwt: issuer, audience, the key set by URL or file (relative to the file), claims, leeway, scopes")
    func jwt() throws {
        let configuration = try load(
            #"{"jwt": {"issuer": "https://id.example", "audience": "https://gw.example/mcp", "jwks": {"file": "keys/jwks.json"}, "rolesClaim": "groups", "leewaySeconds": 5, "scopes": {"required": ["mcp"], "tools": {"admin__*": ["admin"]}}}, "failedAuthentication": {"limit": 20, "windowSeconds": 30}}"#
        )
        let jwt = try #require(configuration.gateway?.jwt)
        #expect(
            jwt
                == GatewaySettings.JWTSetting(
                    issuer: "https://id.example",
                    audience: "https://gw.example/mcp",
                    keys: .file("/work/project/keys/jwks.json"),
                    rolesClaim: "groups",
                    leewaySeconds: 5,
                    scopes: .init(required: ["mcp"], tools: ["admin__*": ["admin"]])
                )
        )
        #expect(configuration.gateway?.failedAuthentication == GatewaySettings.FailureLimit(limit: 20, windowSeconds: 30))
        let byURL = try load(#"{"jwt": {"issuer": "https://id", "audience": "gw", "jwks": "http://127.0.0.1:9000/jwks.json"}}"#)
        #expect(byURL.gateway?.jwt?.keys == .url("http://127.0.0.1:9000/jwks.json"))
        #expect(byURL.gateway?.jwt?.rolesClaim == "roles" && byURL.gateway?.jwt?.leewaySeconds == 60)
        let summary = configuration.redactedSummary.serializedString()
        #expect(summary.contains(#""tools":{"admin__*":["admin"]}"#), "\(summary)")
    }

    @Test("alerts: rules on by default, each settable or off; webhooks with their format and secret")
    func alerts() throws {
        #expect(try load("{}").gateway?.alerts == GatewaySettings.AlertSettings())
        let configuration = try load(
            #"{"alerts": {"rules": {"upstreamDown": {"forSeconds": 5}, "auditFailing": false, "authenticationFailureBurst": {"count": 3}}, "webhooks": [{"url": "https://hooks/x", "secret": {"env": "HOOK"}}, {"url": "http://am:9093", "format": "alertmanager"}]}}"#,
            environment: ["HOOK": "hook-secret"]
        )
        let alerts = try #require(configuration.gateway?.alerts)
        #expect(alerts.upstreamDown == .init(forSeconds: 5) && alerts.auditFailing == false)
        #expect(alerts.authenticationFailures == .init(count: 3, windowSeconds: 60))
        #expect(alerts.webhooks == [.init(url: "https://hooks/x", secret: "hook-secret"), .init(url: "http://am:9093", format: .alertmanager)])
        let off = try load(#"{"alerts": {"rules": {"upstreamDown": false, "authenticationFailureBurst": false}}}"#).gateway?.alerts
        #expect(off?.upstreamDown == nil && off?.authenticationFailures == nil && off?.auditFailing == true)
    }

    @Test(
        "mistakes are errors that say what to write",
        arguments: [
            (#"{"apiKeys": [{"name": "a", "key": "sbk_written_in_the_file_000"}]}"#, "a key is never written in the file"),
            (#"{"apiKeys": [{"name": "a", "key": {"sha256": "abc"}}]}"#, "must be 64 hex digits"),
            (#"{"apiKeys": [{"name": "a", "key": {"env": "UNSET_KEY"}}]}"#, "comes from the variable UNSET_KEY, which is not set"),
            (#"{"apiKeys": [{"name": "a", "key": {"env": "SHORT_KEY"}}]}"#, "a gateway key needs at least 16"),
            (#"{"apiKeys": [{"key": {"env": "ALICE_KEY"}}]}"#, "needs a non-empty \"name\""),
            (#"{"apiKeys": [{"name": "a"}]}"#, "needs a \"key\""),
            (
                #"{"apiKeys": [{"name": "a", "key": {"env": "ALICE_KEY"}}, {"name": "a", "key": {"env": "ALICE_KEY"}}]}"#,
                "two API keys are named \"a\""
            ),
            (#"{"apiKeys": [{"name": "a", "key": {"env": "ALICE_KEY"}, "roles": "reader"}]}"#, "must be an array of strings"),
            (#"{"apiKeys": [{"name": "a", "key": {"env": "ALICE_KEY"}, "role": ["x"]}]}"#, "did you mean \"roles\""),
            (#"{"apiKey": []}"#, "did you mean \"apiKeys\""),
            (#"{"jwt": {}}"#, "\"gateway.jwt\" needs \"issuer\""),
            (#"{"jwt": {"issuer": "https://id", "jwks": {"file": "k.json"}}}"#, "needs \"audience\""),
            (#"{"jwt": {"issuer": "https://id", "audience": "a"}}"#, "needs \"jwks\""),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": "http://id.example/keys"}}"#, "must be an https:// URL"),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": 3}}"#, "must be a URL or {\"file\": path}"),
            (#"{"jwt": {"issuer": "", "audience": "a", "jwks": {"file": "k"}}}"#, "\"gateway.jwt.issuer\" must not be empty"),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": {"file": "k"}, "resource": "gw/mcp"}}"#, "public http(s) URL"),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": {"file": "k"}, "leewaySeconds": 3600}}"#, "between 0 and 600"),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": {"file": "k"}, "jwks_uri": "x"}}"#, "unknown key in \"gateway.jwt\""),
            (
                #"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": {"file": "k"}, "scopes": {"required": ["a b"]}}}"#,
                "not a valid OAuth scope"
            ),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": {"file": "k"}, "scopes": {"tools": ["x"]}}}"#, "an object of globs"),
            (#"{"jwt": {"issuer": "https://id", "audience": "a", "jwks": {"file": "k"}, "scopes": {"tool": {}}}}"#, "did you mean \"tools\""),
            (#"{"failedAuthentication": {"limit": 0}}"#, "between 1 and 100000"),
            (#"{"virtualServers": {"a/b": {"tools": ["*"]}}}"#, "letters, digits, - and _ only"),
            (#"{"virtualServers": {"docs": {"tool": ["*"]}}}"#, "did you mean \"tools\""),
            (#"{"virtualServers": []}"#, "must be an object of virtual servers by name"),
            (#"{"alerts": {"rules": {"upstreamDwn": true}}}"#, "did you mean \"upstreamDown\""),
            (#"{"alerts": {"rules": {"upstreamDown": {"forSeconds": -1}}}}"#, "between 0 and 86400"),
            (#"{"alerts": {"rules": {"auditFailing": 3}}}"#, "an object, true or false"),
            (#"{"alerts": {"webhooks": [{"url": "ftp://x"}]}}"#, "needs a \"url\" (http or https)"),
            (#"{"alerts": {"webhooks": [{"url": "https://x", "format": "slak"}]}}"#, "did you mean \"slack\"?"),
            (#"{"alerts": {"webhooks": [{"url": "https://x", "secret": "s3cret"}]}}"#, "a secret is never written in the file"),
            (#"{"alerts": {"webhooks": [{"url": "https://x", "secret": {"env": "UNSET_SECRET"}}]}}"#, "UNSET_SECRET, which is not set"),
            (#"{"apiKeys": [{"name": "a", "key": {"env": "ALICE_KEY"}, "roles": ["raeder"]}], "roles": {"reader": {}}}"#, "did you mean \"reader\"?"),
            (#"{"apiKeys": [{"name": "a", "key": {"env": "ALICE_KEY"}, "roles": ["admin"]}]}"#, "\"gateway.roles\" defines none"),
            (#"{"roles": {"r": {"tools": ["ok", ""]}}}"#, "an empty pattern in \"tools\""),
            (#"{"roles": {"r": {"tool": ["*"]}}}"#, "did you mean \"tools\""),
            (#"{"roles": {"r": {"deny": {"prompt": ["*"]}}}}"#, "did you mean \"prompts\""),
            (#"{"roles": {"r": {"tools": "*"}}}"#, "must be an array of strings"),
            (#"{"roles": []}"#, "must be an object of roles by name"),
            (#"{"anonymous": {}}"#, "needs \"roles\""),
            (#"{"anonymous": {"roles": ["guest"]}, "roles": {"reader": {}}}"#, "\"gateway.anonymous\" has the role \"guest\""),
            (#"[]"#, "\"gateway\" must be an object"),
        ]
    )
    func mistakes(gateway: String, expected: String) {
        let found = errors(gateway, environment: ["ALICE_KEY": "0123456789abcdef-alice", "SHORT_KEY": "short"])
        #expect(found.contains { $0.contains(expected) }, "\(found)")
    }
}
