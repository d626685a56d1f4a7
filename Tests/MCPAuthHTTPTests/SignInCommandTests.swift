import Foundation
import JSONCore
import MCPAuth
import MCPAuthHTTP
import MCPClient
import MCPHTTPTransport
import MCPTransport
import MCPWire
import SwitchboardAuth
import TestSupport
import Testing

/// `switchboard login`, `auth status`, `logout` and calls with the stored sign-in, run as a user
/// runs them (the shipped binary, its real loopback listener), with the browser's part done by
/// an HTTP client.
extension AuthorizationOverHTTP {
    @Suite("Signing in from the command line")
    struct SignInCommandTests {
        /// A protected server, and a fresh configuration directory for the token file.
        struct Setup {
            let peer: HTTPPeer
            let home: String
            var url: String { peer.url }
            var base: String { "http://127.0.0.1:\(peer.port)" }
            var environment: [String: String] { ["XDG_CONFIG_HOME": home] }
            var tokenPath: String { home + "/switchboard/tokens.json" }

            static func with(_ arguments: [String] = [], _ body: (Setup) async throws -> Void) async throws {
                let peer = try await HTTPPeer(Peers.python) { port in
                    [Peers.pythonScript("auth_server.py"), "--port", String(port)] + arguments
                }
                let home = NSTemporaryDirectory() + "switchboard-signin-\(UUID().uuidString)"
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                defer {
                    peer.stop()
                    try? FileManager.default.removeItem(atPath: home)
                }
                try await body(Setup(peer: peer, home: home))
            }

            func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
                try await ExternalProcess.run(Peers.switchboard, arguments, environment: environment)
            }

            func counts() async throws -> JSONObject {
                let (_, _, body) = try await Browser.get(base + "/counts")
                guard case .object(let counts) = try JSONValue(parsing: body) else { throw Unexpected("counts: \(body)") }
                return counts
            }

            func expireAccessTokens() async throws {
                let http = AuthorizationHTTPClient()
                let answer = try await http.postJSON(base + "/expire", body: Array("{}".utf8))
                await http.shutdown()
                guard answer.status == 200 else { throw Unexpected("expire: \(answer.status)") }
            }

            func stored() async throws -> StoredAuthorizations {
                try await TokenFile(path: tokenPath).load()
            }

            /// `switchboard login --url ... --no-browser`, with the browser's part: the printed URL
            /// followed to the authorization server, whose redirect is then opened, as a browser
            /// would, on Switchboard's loopback listener. First a redirect with a forged state,
            /// which must be refused without ending the wait.
            func login(extra: [String] = []) async throws -> (status: Int32, stderr: String, forged: Int) {
                let process = ExternalProcess(Peers.switchboard, ["login", "--url", url, "--no-browser"] + extra, environment: environment)
                try process.start()
                defer { process.stop() }
                var authorizationURL: String?
                for _ in 0..<600 {
                    if let line = process.stdout.split(separator: "\n").first(where: { $0.hasPrefix("http") }) {
                        authorizationURL = String(line)
                        break
                    }
                    if !process.process.isRunning { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                guard let authorizationURL else { throw Unexpected("no sign-in URL printed; stderr: \(process.stderr)") }
                let callback = try await Browser.redirect(from: authorizationURL)
                let forgedURL = callback.replacingOccurrences(of: "state=", with: "state=forged")
                let forged = try await Browser.get(forgedURL)
                let answered = try await Browser.get(callback)
                #expect(answered.status == 200 && answered.body.contains("received the sign-in"))
                let status = await process.wait()
                return (status, process.stderr, forged.status)
            }
        }

        @Test("login, auth status, calls with the stored token, and logout")
        func loginStatusCallLogout() async throws {
            try await Setup.with { setup async throws in
                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                #expect(login.forged == 400)
                #expect(login.stderr.contains("signed in to \(setup.url)"))

                // Stored for this server only, readable by its owner only, with the expiry.
                let attributes = try FileManager.default.attributesOfItem(atPath: setup.tokenPath)
                #expect((attributes[.posixPermissions] as? Int) == 0o600)
                let stored = try await setup.stored()
                let entry = try #require(stored.servers[setup.url])
                #expect(entry.tokens.resource == setup.url)
                #expect(entry.tokens.issuer == setup.base)
                let expiresAt = try #require(entry.tokens.expiresAt)
                #expect(abs(expiresAt - Date().timeIntervalSince1970 - 3600) < 120)
                #expect(stored.clients[setup.base] != nil)

                let status = try await setup.run(["auth", "status", "--json"])
                #expect(status.status == 0)
                #expect(status.stdout.contains(setup.url) && status.stdout.contains("\"expiresAt\""))
                #expect(!status.stdout.contains(entry.tokens.accessToken))
                #expect(!status.stdout.contains(entry.tokens.refreshToken ?? "no refresh token"))

                // A later process uses the stored token as it is: no second sign-in, no refresh.
                for _ in 0..<2 {
                    let call = try await setup.run(["call", "whoami", "--url", setup.url])
                    #expect(call.status == 0, "\(call.stderr)")
                    #expect(call.stdout.contains("test-user"))
                }
                let counts = try await setup.counts()
                #expect(counts.int("exchanges") == 1 && counts.int("refreshes") == 0 && counts.int("authorizations") == 1)

                let logout = try await setup.run(["logout", "--url", setup.url])
                #expect(logout.status == 0)
                let refused = try await setup.run(["call", "whoami", "--url", setup.url])
                #expect(refused.status == 3)
                #expect(refused.stderr.contains("switchboard login --url \(setup.url)"))
            }
        }

        @Test("a token about to expire is refreshed before it is used")
        func refreshBeforeExpiry() async throws {
            // A 10-second token is refreshed in its last 5 seconds (half its lifetime, as that is
            // shorter than the 60-second margin): wait until it is there, still valid.
            try await Setup.with(["--token-lifetime", "10"]) { setup async throws in
                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                let before = try #require(try await setup.stored().servers[setup.url])
                let expiresAt = try #require(before.tokens.expiresAt)
                let wait = expiresAt - 4 - Date().timeIntervalSince1970
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                let call = try await setup.run(["call", "whoami", "--url", setup.url])
                #expect(call.status == 0, "\(call.stderr)")
                let after = try #require(try await setup.stored().servers[setup.url])
                #expect(after.tokens.accessToken != before.tokens.accessToken)
                #expect((after.tokens.expiresAt ?? 0) > expiresAt)
                #expect(try await setup.counts().int("refreshes") ?? 0 >= 1)
            }
        }

        @Test("a token the server no longer accepts is refreshed once on the 401, and the call goes through")
        func refreshOn401() async throws {
            try await Setup.with { setup async throws in
                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                try await setup.expireAccessTokens()
                let call = try await setup.run(["call", "whoami", "--url", setup.url])
                #expect(call.status == 0, "\(call.stderr)")
                #expect(call.stdout.contains("test-user"))
                #expect(try await setup.counts().int("refreshes") == 1)
            }
        }

        @Test("over the 2024-11-05 HTTP+SSE transport too: the stored token is sent, and refreshed once on a 401")
        func legacyTransportRefresh() async throws {
            try await AuthFixture.with(["--transport", "sse"]) { fixture in
                let home = NSTemporaryDirectory() + "switchboard-sse-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: home) }
                let url = fixture.base + "/sse"
                let environment = ["XDG_CONFIG_HOME": home]
                let login = try await SigningInCommand(arguments: ["login", "--url", url, "--no-browser"], environment: environment).run()
                #expect(login.status == 0, "\(login.stderr)")
                let config = home + "/servers.json"
                try #"{"mcpServers": {"legacy": {"url": "\#(url)", "type": "sse"}}}"#.write(toFile: config, atomically: true, encoding: .utf8)
                let first = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--config", config], environment: environment)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stdout.contains("test-user"))
                try await fixture.post("/expire")
                let second = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--config", config], environment: environment)
                #expect(second.status == 0, "\(second.stderr)")
                #expect(try await fixture.counts().int("refreshes") == 1)
            }
        }

        @Test("--trace tells what the sign-in did, with tokens as fingerprints and never themselves")
        func traceMasksTokens() async throws {
            try await Setup.with { setup async throws in
                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                let before = try #require(try await setup.stored().servers[setup.url])
                try await setup.expireAccessTokens()
                let call = try await setup.run(["call", "whoami", "--url", setup.url, "--trace"])
                #expect(call.status == 0, "\(call.stderr)")
                let after = try #require(try await setup.stored().servers[setup.url])
                let lines = call.stderr.split(separator: "\n").filter { $0.hasPrefix("trace: authorization: ") }
                #expect(lines.contains { $0.contains("refused \(TokenFingerprint.of(before.tokens.accessToken)) with HTTP 401") }, "\(lines)")
                #expect(lines.contains { $0.contains("refreshed: \(TokenFingerprint.of(after.tokens.accessToken))") }, "\(lines)")
                #expect(lines.contains { $0.contains("sending \(TokenFingerprint.of(after.tokens.accessToken))") }, "\(lines)")
                for secret in [before.tokens.accessToken, before.tokens.refreshToken, after.tokens.accessToken, after.tokens.refreshToken] {
                    #expect(!call.stderr.contains(secret ?? "-"))
                }
            }
        }

        @Test("32 concurrent calls refused for an expired token share one refresh")
        func oneRefreshForConcurrentCalls() async throws {
            try await Setup.with { setup async throws in
                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                let http = AuthorizationHTTPClient()
                let authorization = OAuthAuthorization(
                    serverURL: setup.url,
                    serverName: "fixture",
                    storage: TokenFile(path: setup.tokenPath),
                    http: http
                )
                let transport = try StreamableHTTPTransport(url: setup.url, options: HTTPOptions(authorization: authorization))
                try await ClientSession.withSession(transport: transport, configuration: ClientConfiguration(defaultTimeout: .seconds(60))) {
                    session async throws in
                    try await setup.expireAccessTokens()
                    let answers = try await withThrowingTaskGroup(of: String.self) { group in
                        for _ in 0..<32 { group.addTask { try await session.callTool("whoami").text } }
                        return try await group.reduce(into: [String]()) { $0.append($1) }
                    }
                    #expect(answers.count == 32 && answers.allSatisfy { $0 == "test-user" })
                }
                await http.shutdown()
                #expect(try await setup.counts().int("refreshes") == 1)
            }
        }

        @Test("a sign-in is never sent to another server")
        func tokenStaysWithItsServer() async throws {
            try await Setup.with { setup async throws in
                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                let other = try await HTTPPeer(Peers.python) { port in [Peers.pythonScript("auth_server.py"), "--port", String(port)] }
                defer { other.stop() }
                let call = try await setup.run(["call", "whoami", "--url", other.url])
                #expect(call.status == 3)
                #expect(call.stderr.contains("switchboard login --url \(other.url)"))
                let (_, _, body) = try await Browser.get("http://127.0.0.1:\(other.port)/counts")
                guard case .object(let counts) = try JSONValue(parsing: body) else { throw Unexpected(body) }
                #expect(counts.int("mcp_requests") ?? 0 > 0)
                #expect(counts.int("bearer_requests") == 0)
            }
        }

        @Test("SWITCHBOARD_TOKEN_<SERVER> wins over a stored sign-in, and login works by the configured name")
        func environmentTokenWins() async throws {
            try await Setup.with { setup async throws in
                let config = setup.home + "/servers.json"
                try #"{"mcpServers": {"fix-ture": {"url": "\#(setup.url)"}}}"#.write(toFile: config, atomically: true, encoding: .utf8)
                let noLogin = try await setup.run(["call", "whoami", "--config", config])
                #expect(noLogin.status == 3)
                #expect(noLogin.stderr.contains("switchboard login fix-ture"))
                #expect(noLogin.stderr.contains("SWITCHBOARD_TOKEN_FIX_TURE"))

                let login = try await setup.login()
                #expect(login.status == 0, "\(login.stderr)")
                let stored = try #require(try await setup.stored().servers[setup.url])
                let signedIn = try await setup.run(["call", "whoami", "--config", config])
                #expect(signedIn.status == 0, "\(signedIn.stderr)")

                let bogus = try await ExternalProcess.run(
                    Peers.switchboard,
                    ["call", "whoami", "--config", config],
                    environment: setup.environment.merging(["SWITCHBOARD_TOKEN_FIX_TURE": "not-a-token"]) { $1 }
                )
                #expect(bogus.status == 3)
                let given = try await ExternalProcess.run(
                    Peers.switchboard,
                    ["call", "whoami", "--config", config],
                    environment: setup.environment.merging(["SWITCHBOARD_TOKEN_FIX_TURE": stored.tokens.accessToken]) { $1 }
                )
                #expect(given.status == 0, "\(given.stderr)")
                #expect(given.stdout.contains("test-user"))
            }
        }
    }
}
