import JSONCore
import SwitchboardConfiguration
import Testing

@Suite("How a server is signed in to: the \"oauth\" settings")
struct OAuthSettingsTests {
    func load(_ text: String, environment: [String: String] = [:]) throws -> SwitchboardConfiguration {
        try ConfigurationLoader(environment: environment, currentDirectory: "/work/project").parse(text, file: "/work/project/mcp.json")
    }

    func errors(_ text: String) -> [String] {
        do {
            _ = try load(text)
            return []
        } catch let error as ConfigError {
            return error.errors.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("a pre-registered client, a metadata document for every server, and a machine client")
    func settings() throws {
        let configuration = try load(
            """
            {
              "switchboard": {"oauth": {"clientMetadataUrl": "https://example.com/switchboard.json", "allowPrivateNetworks": true}},
              "mcpServers": {
                "tracker": {"url": "https://tracker.example/mcp", "switchboard": {"oauth": {
                  "clientId": "sb-123", "clientSecret": {"env": "TRACKER_SECRET"}, "tokenEndpointAuthMethod": "client_secret_post",
                  "issuer": "https://login.example", "redirectUri": "http://127.0.0.1:8765/callback", "scopes": ["issues:read"]}}},
                "batch": {"url": "https://batch.example/mcp", "switchboard": {"oauth": {
                  "grant": "client_credentials", "clientId": "svc", "clientSecret": "plain-secret"}}},
                "open": {"url": "https://open.example/mcp"}
              }
            }
            """,
            environment: ["TRACKER_SECRET": "s3cret"]
        )
        func oauth(_ name: String) throws -> OAuthSettings {
            let server = try #require(configuration.server(named: name))
            return try #require(configuration.effectiveSettings(of: server).oauth)
        }
        let tracker = try oauth("tracker")
        #expect(tracker.clientID == "sb-123" && tracker.clientSecret == "s3cret" && tracker.tokenEndpointAuthMethod == .clientSecretPost)
        #expect(tracker.issuer == "https://login.example" && tracker.redirectURI == "http://127.0.0.1:8765/callback")
        #expect(tracker.scopes == ["issues:read"])
        // The file's defaults fill in what the server leaves out.
        #expect(tracker.clientMetadataURL == "https://example.com/switchboard.json" && tracker.allowPrivateNetworks == true)
        let batch = try oauth("batch")
        #expect(batch.grant == .clientCredentials && batch.effectiveAuthMethod == .clientSecretBasic)
        let open = try oauth("open")
        #expect(open.clientID == nil && open.clientMetadataURL == "https://example.com/switchboard.json")

        // config show never prints the secret.
        let shown = configuration.redactedSummary.serializedString()
        #expect(!shown.contains("s3cret") && !shown.contains("plain-secret"))
        #expect(shown.contains("sb-123"))
    }

    @Test("Gemini CLI's and Claude Code's \"oauth\" name a pre-registered client too")
    func otherClientsShapes() throws {
        let configuration = try load(
            """
            {"mcpServers": {
              "gemini": {"httpUrl": "https://g.example/mcp", "oauth": {"enabled": true, "clientId": "g-1", "clientSecret": "gs",
                         "scopes": ["read"], "redirectUri": "http://localhost:7777/oauth/callback", "authorizationUrl": "https://g.example/auth"}},
              "claude": {"type": "http", "url": "https://c.example/mcp", "oauth": {"clientId": "c-1", "callbackPort": 9123}}
            }}
            """
        )
        let gemini = try #require(configuration.server(named: "gemini")?.settings.oauth)
        #expect(gemini.clientID == "g-1" && gemini.clientSecret == "gs" && gemini.scopes == ["read"])
        #expect(gemini.redirectURI == "http://localhost:7777/oauth/callback")
        let claude = try #require(configuration.server(named: "claude")?.settings.oauth)
        #expect(claude.clientID == "c-1" && claude.redirectURI == "http://localhost:9123/callback")
        #expect(configuration.warnings.isEmpty)
    }

    @Test(
        "mistakes are errors that say what to write",
        arguments: [
            (#"{"clientSecret": "x"}"#, "needs \"oauth.clientId\""),
            (#"{"clientId": "a", "tokenEndpointAuthMethod": "client_secret_basic"}"#, "needs \"oauth.clientSecret\""),
            (#"{"clientId": "a", "tokenEndpointAuthMethod": "private_key_jwt"}"#, "must be one of none, client_secret_basic, client_secret_post"),
            (#"{"clientId": "a", "redirectUri": "https://app.example/callback"}"#, "must be an http:// loopback URL"),
            (#"{"clientId": "a", "redirectUri": "http://192.168.1.2:80/cb"}"#, "must be on this machine"),
            (#"{"clientId": "a", "redirectUri": "http://127.0.0.1/callback"}"#, "needs the port"),
            (#"{"clientMetadataUrl": "http://example.com/c.json"}"#, "must be an https URL with a path"),
            (#"{"clientMetadataUrl": "https://example.com/"}"#, "must be an https URL with a path"),
            (#"{"grant": "client_credentials", "clientId": "a"}"#, "needs \"oauth.clientId\" and \"oauth.clientSecret\""),
            (#"{"grant": "password"}"#, "must be one of authorization_code, client_credentials"),
            (#"{"clientID": "a"}"#, "did you mean \"clientId\""),
            (#"{"issuer": "login.example", "clientId": "a"}"#, "issuer URL"),
        ]
    )
    func mistakes(oauth: String, expected: String) {
        let found = errors(#"{"mcpServers": {"s": {"url": "https://s.example/mcp", "switchboard": {"oauth": \#(oauth)}}}}"#)
        #expect(found.contains { $0.contains(expected) }, "\(found)")
    }

    @Test("a client belongs to one server, and only HTTP servers sign in")
    func placement() {
        let topLevel = errors(#"{"switchboard": {"oauth": {"clientId": "a"}}, "mcpServers": {"s": {"url": "https://s.example/mcp"}}}"#)
        #expect(topLevel.contains { $0.contains("it belongs to one server's \"oauth\"") }, "\(topLevel)")
        let stdio = errors(#"{"mcpServers": {"s": {"command": "x", "switchboard": {"oauth": {"scopes": ["a"]}}}}}"#)
        #expect(stdio.contains { $0.contains("\"oauth\" applies to HTTP servers") }, "\(stdio)")
    }

    @Test("\"tokenStore\" names the file or the Secret Service, once, at the top level")
    func tokenStore() throws {
        let servers = #""mcpServers": {"open": {"url": "https://open.example/mcp"}}"#
        #expect(try load(#"{"switchboard": {"tokenStore": "secret-service"}, \#(servers)}"#).tokenStore == .secretService)
        #expect(try load(#"{"switchboard": {"tokenStore": "file"}, \#(servers)}"#).tokenStore == .file)
        #expect(try load("{\(servers)}").tokenStore == nil)
        #expect(
            errors(#"{"switchboard": {"tokenStore": "keychain"}, \#(servers)}"#).contains {
                $0.contains(#""tokenStore" must be "file" or "secret-service", not "keychain""#)
            }
        )
        let misplaced = errors(#"{"mcpServers": {"open": {"url": "https://open.example/mcp", "switchboard": {"tokenStore": "file"}}}}"#)
        #expect(misplaced.contains { $0.contains(#""tokenStore" is set once, in the top-level "switchboard""#) }, "\(misplaced)")
    }
}
