import AsyncHTTPClient
import JSONCore
import MCPAuth
import MCPAuthHTTP
import MCPClient
import MCPHTTPTransport
import MCPTransport
import MCPWire
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// The authorization flow against the Python SDK's real OAuth server code (`mcp.server.auth`)
/// guarding a Streamable HTTP MCP server that checks each token's audience.
extension AuthorizationOverHTTP {
    @Suite("Authorization flow against the Python SDK's authorization server")
    struct AuthorizationFlowTests {
        /// A protected server with its authorization server, and the HTTP client of the flow.
        struct Fixture {
            let peer: HTTPPeer
            let http: AuthorizationHTTPClient
            var base: String { "http://127.0.0.1:\(peer.port)" }
            var server: AbsoluteURL { get throws { try AbsoluteURL(peer.url) } }

            static func with(_ arguments: [String] = [], _ body: (Fixture) async throws -> Void) async throws {
                let peer = try await HTTPPeer(Peers.python) { port in
                    [Peers.pythonScript("auth_server.py"), "--port", String(port)] + arguments
                }
                let http = AuthorizationHTTPClient()
                do {
                    try await body(Fixture(peer: peer, http: http))
                } catch {
                    await http.shutdown()
                    peer.stop()
                    throw error
                }
                await http.shutdown()
                peer.stop()
            }

            /// Numbers of registrations, authorizations, exchanges and refreshes the server saw.
            func counts() async throws -> JSONObject {
                let answer = try await http.get(base + "/counts")
                guard case .object(let counts) = try JSONValue(parsing: answer.body) else { throw Unexpected("counts: \(answer.status)") }
                return counts
            }

            /// What a browser does with the authorization URL when the user approves: follows it
            /// to the authorization server, which redirects to the callback. Returns the
            /// callback's query string.
            func approve(_ url: String) async throws -> String {
                let location = try await Browser.redirect(from: url)
                guard let query = location.split(separator: "?", maxSplits: 1).dropFirst().first else {
                    throw Unexpected("redirect without a query: \(location)")
                }
                return String(query)
            }

            /// Discovery, registration, authorization (approved at once) and the code exchange.
            func signIn(resource overriddenResource: String? = nil) async throws -> (TokenSet, ClientCredentials, TokenRequests) {
                let discovery = AuthorizationDiscovery(http: http)
                let found = try await discovery.discover(server: try server, challenge: nil)
                let scopes = ScopeList.initial(
                    challenged: nil,
                    resourceSupported: found.protectedResource?.scopesSupported,
                    authorizationServerSupported: found.authorizationServer.scopesSupported
                )
                let redirect = "http://127.0.0.1:\(try Network.freePort())/callback"
                let requests = TokenRequests(http: http, authorizationServer: found.authorizationServer)
                let client = try await requests.register(clientName: "Switchboard tests", redirectURIs: [redirect], scopes: scopes)
                let request = try AuthorizationRequest(
                    authorizationServer: found.authorizationServer,
                    clientID: client.clientID,
                    redirectURI: redirect,
                    resource: overriddenResource ?? found.resource,
                    scopes: scopes
                )
                let code = try request.validate(callbackQuery: try await approve(request.url))
                let tokens = try await requests.exchange(code: code, for: request, client: client)
                return (tokens, client, requests)
            }

            /// Calls `whoami` on the protected server with `token`.
            func whoami(token: String) async throws -> String {
                let transport = try StreamableHTTPTransport(url: peer.url, options: HTTPOptions(bearerToken: token))
                return try await ClientSession.withSession(transport: transport, configuration: ClientConfiguration(defaultTimeout: .seconds(20))) {
                    session in
                    try await session.callTool("whoami").text
                }
            }
        }

        @Test("metadata-default: discovery, registration, PKCE, a token for the server, and a refresh")
        func metadataDefault() async throws {
            try await Fixture.with { fixture async throws in
                let (tokens, client, requests) = try await fixture.signIn()
                #expect(tokens.resource == fixture.peer.url)
                #expect(tokens.issuer == fixture.base)
                #expect(tokens.scopes == ["mcp:tools", "offline_access"])
                #expect(tokens.refreshToken != nil)
                #expect(client.authMethod == .none)
                #expect(try await fixture.whoami(token: tokens.accessToken) == "test-user")

                let refreshed = try await requests.refresh(tokens, client: client)
                #expect(refreshed.accessToken != tokens.accessToken)
                #expect(refreshed.resource == tokens.resource)
                #expect(try await fixture.whoami(token: refreshed.accessToken) == "test-user")
                let counts = try await fixture.counts()
                #expect(counts.int("registrations") == 1 && counts.int("exchanges") == 1 && counts.int("refreshes") == 1)
            }
        }

        @Test("a bare request is challenged with resource_metadata, and a token for another resource is refused")
        func audience() async throws {
            try await Fixture.with { fixture async throws in
                let answer = try await fixture.http.postJSON(fixture.peer.url, body: Array("{}".utf8))
                #expect(answer.status == 401)
                let challenge = try #require(try AuthenticationChallenge.bearer(in: answer.header("www-authenticate")))
                #expect(challenge.resourceMetadata == fixture.base + "/.well-known/oauth-protected-resource/mcp")

                let (tokens, _, _) = try await fixture.signIn(resource: fixture.base + "/other")
                #expect(tokens.resource == fixture.base + "/other")
                await #expect(throws: (any Error).self) {
                    try await fixture.whoami(token: tokens.accessToken)
                }
            }
        }

        @Test(
            "a server that publishes something wrong is refused before any code is exchanged",
            arguments: [
                (["--as-set", "issuer=\"http://127.0.0.1:1\""], AuthError.Code.issuerMismatch),
                (["--as-drop", "code_challenge_methods_supported"], .pkceUnsupported),
                (["--as-set", "code_challenge_methods_supported=[\"plain\"]"], .pkceUnsupported),
                (["--prm-set", "resource=\"https://evil.example/mcp\""], .resourceMismatch),
                (["--as-drop", "registration_endpoint"], .registrationUnavailable),
            ]
        )
        func refusals(arguments: [String], expected: AuthError.Code) async throws {
            try await Fixture.with(arguments) { fixture async throws in
                await #expect {
                    _ = try await fixture.signIn()
                } throws: { error in
                    (error as? AuthError)?.code == expected
                }
                #expect(try await fixture.counts().int("exchanges") == 0)
            }
        }
    }
}
