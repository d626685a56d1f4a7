import AsyncHTTPClient
import Foundation
import JSONCore
import MCPClient
import MCPHTTPTransport
import MCPTransport
import MCPWire
import NIOCore
import NIOHTTP1
import SwitchboardAudit
import SwitchboardGateway
import TestSupport
import Testing

/// An authorization server's token side (Tests/Fixtures/python/jwt_issuer.py, PyJWT): it
/// publishes a JWK set and mints the tokens a test asks for, good and bad.
struct TokenIssuer {
    let peer: HTTPPeer
    static let issuer = "https://issuer.test"

    static func start() async throws -> TokenIssuer {
        try Peers.require(Peers.python)
        let peer = try await HTTPPeer(Peers.python) { port in [Peers.pythonScript("jwt_issuer.py"), "--port", String(port)] }
        return TokenIssuer(peer: peer)
    }

    var jwks: String { "http://127.0.0.1:\(peer.port)/jwks.json" }

    /// A token for `subject` with `claims` (the standard ones filled in unless given).
    func mint(
        _ subject: String = "carol",
        roles: [String] = ["admin"],
        scope: String = "mcp counter:write",
        audience: String,
        expiresIn: Int = 300,
        overrides: JSONObject = [:],
        alg: String = "RS256",
        kid: String? = nil,
        signer: String? = nil
    ) async throws -> String {
        var claims: JSONObject = [
            "iss": .string(Self.issuer), "sub": .string(subject), "aud": .string(audience),
            "exp": .int(Int(Date().timeIntervalSince1970) + expiresIn), "iat": .int(Int(Date().timeIntervalSince1970)),
            "roles": .array(roles.map(JSONValue.string)), "scope": .string(scope),
        ]
        for (key, value) in overrides { claims[key] = value }
        var request: JSONObject = ["claims": .object(claims), "alg": .string(alg)]
        if let kid { request["kid"] = .string(kid) }
        if let signer { request["signer"] = .string(signer) }
        let answer = try await Self.exchange("POST", "http://127.0.0.1:\(peer.port)/mint", body: JSONValue.object(request).serializedString())
        return try #require(try JSONValue(parsing: answer.body).objectValue?["token"]?.stringValue)
    }

    func rotate() async throws -> String {
        let answer = try await Self.exchange("POST", "http://127.0.0.1:\(peer.port)/rotate", body: "{}")
        return try #require(try JSONValue(parsing: answer.body).objectValue?["kid"]?.stringValue)
    }

    /// How many times the key set was fetched.
    func fetches() async throws -> Int {
        let answer = try await Self.exchange("GET", "http://127.0.0.1:\(peer.port)/counts")
        return try #require(try JSONValue(parsing: answer.body).objectValue?["jwks"]?.intValue)
    }

    static func exchange(
        _ method: String,
        _ url: String,
        bearer: String? = nil,
        body: String? = nil
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            // A modern request's standard headers, which the gateway checks against the body.
            if body.contains("2026-07-28"), let message = try? JSONValue(parsing: body).objectValue {
                request.headers.add(name: "MCP-Protocol-Version", value: "2026-07-28")
                if let method = message["method"]?.stringValue { request.headers.add(name: "Mcp-Method", value: method) }
                if let name = message["params"]?.objectValue?["name"]?.stringValue { request.headers.add(name: "Mcp-Name", value: name) }
            }
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return (Int(response.status.code), headers, String(buffer: bytes))
    }
}

/// `switchboard serve` taking tokens from the issuer: its audience is its own URL (RFC 8707),
/// reader and admin roles come from the token's `roles`, and incrementing the demo counter
/// needs the `counter:write` scope on top of the `mcp` every request needs.
struct TokenGateway {
    let issuer: TokenIssuer
    let port: Int
    var url: String { "http://127.0.0.1:\(port)/mcp" }
    var audience: String { url }

    func configuration(failureLimit: Int) -> String {
        """
        {"mcpServers": {"demo": {"command": "\(Peers.switchboard)", "args": ["demo-server"]}},
         "gateway": {
           "jwt": {"issuer": "\(TokenIssuer.issuer)", "audience": "\(audience)", "jwks": "\(issuer.jwks)",
                   "scopes": {"required": ["mcp"], "tools": {"demo__increment": ["counter:write"]}}},
           "failedAuthentication": {"limit": \(failureLimit), "windowSeconds": 600},
           "roles": {"admin": {"tools": ["*"], "resources": ["*"], "prompts": ["*"]},
                     "reader": {"tools": ["demo__*"], "resources": ["demo://greeting/*"], "prompts": ["demo__*"],
                                "deny": {"tools": ["demo__increment", "demo__confirm_action"]}}}}}
        """
    }

    static func run(failureLimit: Int = 100, _ body: (TokenGateway, _ audit: String) async throws -> Void) async throws {
        try Peers.require(Peers.switchboard)
        let issuer = try await TokenIssuer.start()
        defer { issuer.peer.stop() }
        let port = try Network.freePort()
        let gateway = TokenGateway(issuer: issuer, port: port)
        try await withTemporaryFolder(files: ["gateway.json": gateway.configuration(failureLimit: failureLimit)]) { folder in
            let peer = try await HTTPPeer(Peers.switchboard, port: port) { port in
                ["serve", "--config", folder + "/gateway.json", "--port", String(port), "--data", folder + "/state"]
            }
            defer { peer.stop() }
            try await body(gateway, folder + "/state/audit.sqlite")
        }
    }

    func session<Result: Sendable>(token: String, _ body: (ClientSession) async throws -> Result) async throws -> Result {
        let transport = try StreamableHTTPTransport(url: url, options: HTTPOptions(bearerToken: token))
        return try await ClientSession.withSession(transport: transport, configuration: ClientConfiguration(defaultTimeout: .seconds(30)), body)
    }

    /// The demo counter's value, read with a token that may read it.
    func counter() async throws -> String {
        let token = try await issuer.mint(audience: audience)
        return try await session(token: token) { session in try await session.readResource("demo://counter").contents.first?.text ?? "" }
    }
}

let discoverRequest = #"{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}"#
let incrementRequest = #"""
    {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "demo__increment", "arguments": {"by": 1},
     "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}}
    """#

@Suite("Gateway: bearer tokens (JWT), the protected resource metadata and scopes", .serialized)
struct GatewayTokenTests {
    @Test("RS256 and ES256 tokens from the key set: the principal is the subject, its roles come from the token")
    func acceptedTokens() async throws {
        try await TokenGateway.run { gateway, audit in
            let admin = try await gateway.issuer.mint("carol", roles: ["admin"], audience: gateway.audience)
            try await gateway.session(token: admin) { session in
                let names = Set(try await session.allTools().map(\.name))
                #expect(names.contains("demo__increment"), "\(names)")
                #expect(!(try await session.callTool("demo__increment", arguments: ["by": 2])).isError)
            }
            let reader = try await gateway.issuer.mint("dave", roles: ["reader"], scope: "mcp", audience: gateway.audience, alg: "ES256")
            try await gateway.session(token: reader) { session in
                let names = Set(try await session.allTools().map(\.name))
                #expect(names.contains("demo__add") && !names.contains("demo__increment"), "\(names)")
                #expect(try await session.callTool("demo__add", arguments: ["a": 1, "b": 2]).structuredContent == ["sum": 3])
            }
            let records = try AuditLog(path: audit).tail(100).map(\.event)
            let calls = records.filter { $0.action == "tools/call" }.map { "\($0.principal) \($0.authentication) \($0.target ?? "") \($0.outcome)" }
            #expect(calls == ["carol jwt demo__increment ok", "dave jwt demo__add ok"], "\(calls)")
        }
    }

    @Test(
        "a token with the wrong audience, issuer or signature, expired, unsigned, HMAC-confused or under an unknown key: 401 naming the fault and the metadata"
    )
    func refusedTokens() async throws {
        try await TokenGateway.run { gateway, _ in
            let issuer = gateway.issuer
            let audience = gateway.audience
            let metadata = "http://127.0.0.1:\(gateway.port)/.well-known/oauth-protected-resource/mcp"
            let cases: [(String, String)] = [
                (try await issuer.mint(audience: "https://elsewhere.test/mcp"), "not this gateway"),
                (try await issuer.mint(audience: audience, overrides: ["iss": "https://evil.test"]), "issued by \"https://evil.test\""),
                (try await issuer.mint(audience: audience, expiresIn: -600), "expired"),
                (
                    try await issuer.mint(audience: audience, overrides: ["nbf": .int(Int(Date().timeIntervalSince1970) + 3600)]),
                    "not valid for another"
                ),
                (try await issuer.mint(audience: audience, signer: "rogue"), "signature does not verify"),
                (try await issuer.mint(audience: audience, alg: "ES256", signer: "rogue"), "signature does not verify"),
                (try await issuer.mint(audience: audience, alg: "none"), "accepts RS256 and ES256"),
                (try await issuer.mint(audience: audience, alg: "HS256"), "accepts RS256 and ES256"),
                (try await issuer.mint(audience: audience, kid: "nobody-knows-me"), "does not have"),
                (try await issuer.mint(audience: audience, overrides: ["sub": ""]), "\"sub\""),
            ]
            for (token, fault) in cases {
                let answer = try await TokenIssuer.exchange("POST", gateway.url, bearer: token, body: incrementRequest)
                #expect(answer.status == 401, "\(fault): \(answer)")
                let message = try JSONValue(parsing: answer.body).objectValue?["error"]?.objectValue?["message"]?.stringValue ?? ""
                #expect(message.contains(fault), "\(fault): \(answer.body)")
                let challenge = answer.headers["www-authenticate"] ?? ""
                #expect(challenge.contains(#"error="invalid_token""#), "\(challenge)")
                #expect(challenge.contains(#"resource_metadata="\#(metadata)""#) && challenge.contains(#"scope="mcp""#), "\(challenge)")
            }
            #expect(try await gateway.counter() == "0", "a refused call never reached the demo server")

            // Without a token: the challenge a client starts its authorization from.
            let bare = try await TokenIssuer.exchange("POST", gateway.url, body: discoverRequest)
            #expect(bare.status == 401)
            #expect(bare.headers["www-authenticate"] == #"Bearer realm="switchboard", scope="mcp", resource_metadata="\#(metadata)""#)
            #expect(bare.body.contains("needs a bearer token"), "\(bare.body)")

            // RFC 9728's document, at the path form and the root form, without credentials.
            for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
                let document = try await TokenIssuer.exchange("GET", "http://127.0.0.1:\(gateway.port)\(path)")
                #expect(document.status == 200, "\(path): \(document)")
                let object = try #require(try JSONValue(parsing: document.body).objectValue)
                #expect(object["resource"] == .string(audience))
                #expect(object["authorization_servers"] == [.string(TokenIssuer.issuer)])
                #expect(object["scopes_supported"] == ["mcp", "counter:write"])
            }
        }
    }

    @Test("a token short of a scope gets 403 insufficient_scope naming every scope the request needs; the call never runs and is audited")
    func insufficientScope() async throws {
        try await TokenGateway.run { gateway, audit in
            let metadata = "http://127.0.0.1:\(gateway.port)/.well-known/oauth-protected-resource/mcp"
            let basic = try await gateway.issuer.mint("erin", roles: ["admin"], scope: "mcp", audience: gateway.audience)
            let refused = try await TokenIssuer.exchange("POST", gateway.url, bearer: basic, body: incrementRequest)
            #expect(refused.status == 403, "\(refused)")
            let challenge = refused.headers["www-authenticate"] ?? ""
            #expect(challenge.contains(#"error="insufficient_scope""#) && challenge.contains(#"scope="mcp counter:write""#), "\(challenge)")
            #expect(challenge.contains(#"resource_metadata="\#(metadata)""#), "\(challenge)")
            #expect(refused.body.contains("lacks the scope counter:write"), "\(refused.body)")
            // The same token may do what needs "mcp" alone.
            let list = try await TokenIssuer.exchange("POST", gateway.url, bearer: basic, body: discoverRequest)
            #expect(list.status == 200, "\(list)")
            #expect(try await gateway.counter() == "0")

            // Without even "mcp": every request is refused, asking for it.
            let none = try await gateway.issuer.mint("erin", roles: ["admin"], scope: "profile", audience: gateway.audience)
            let bare = try await TokenIssuer.exchange("POST", gateway.url, bearer: none, body: discoverRequest)
            #expect(bare.status == 403 && bare.headers["www-authenticate"]?.contains(#"scope="mcp""#) == true, "\(bare)")

            // A reader whose role hides the tool is told it is not there, not which scope it lacks.
            let reader = try await gateway.issuer.mint("dave", roles: ["reader"], scope: "mcp", audience: gateway.audience)
            let hidden = try await TokenIssuer.exchange("POST", gateway.url, bearer: reader, body: incrementRequest)
            #expect(hidden.status == 200 && hidden.body.contains("is available to dave"), "\(hidden)")

            let denials = try AuditLog(path: audit).tail(100).map(\.event).filter { $0.outcome == .denied }
            let summary = denials.map { "\($0.principal) \($0.action) \($0.target ?? "-")" }
            #expect(summary == ["erin tools/call demo__increment", "erin authenticate -", "dave tools/call demo__increment"], "\(summary)")
            #expect(denials.first?.detail?.contains("counter:write") == true)
        }
    }

    @Test("a rotated key is fetched when a token names it; tokens naming made-up keys do not make the gateway fetch each time")
    func keyRotation() async throws {
        try await TokenGateway.run { gateway, _ in
            let first = try await gateway.issuer.mint(audience: gateway.audience)
            #expect(try await TokenIssuer.exchange("POST", gateway.url, bearer: first, body: discoverRequest).status == 200)
            let fetchedAtStart = try await gateway.issuer.fetches()
            #expect(fetchedAtStart == 1)
            let rotated = try await gateway.issuer.rotate()
            let fresh = try await gateway.issuer.mint(audience: gateway.audience, kid: rotated)
            let answer = try await TokenIssuer.exchange("POST", gateway.url, bearer: fresh, body: discoverRequest)
            #expect(answer.status == 200, "\(answer)")
            #expect(try await gateway.issuer.fetches() == 2)
            for index in 0..<8 {
                let bogus = try await gateway.issuer.mint(audience: gateway.audience, kid: "made-up-\(index)")
                #expect(try await TokenIssuer.exchange("POST", gateway.url, bearer: bogus, body: discoverRequest).status == 401)
            }
            // At most one more fetch: a reload is allowed once per 10 s, however many tokens ask.
            #expect(try await gateway.issuer.fetches() <= 3)
            #expect(try await TokenIssuer.exchange("POST", gateway.url, bearer: first, body: discoverRequest).status == 200)
        }
    }

    @Test("an address that sends too many bad credentials gets 429 with Retry-After, even with a good one, and the block is audited")
    func failedAuthenticationLimit() async throws {
        try await TokenGateway.run(failureLimit: 3) { gateway, audit in
            let good = try await gateway.issuer.mint(audience: gateway.audience)
            #expect(try await TokenIssuer.exchange("POST", gateway.url, bearer: good, body: discoverRequest).status == 200)
            let bad = try await gateway.issuer.mint(audience: gateway.audience, signer: "rogue")
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await TokenIssuer.exchange("POST", gateway.url, bearer: bad, body: discoverRequest).status) }
            statuses.append(
                try await TokenIssuer.exchange("POST", gateway.url, bearer: "sbk_wrong-key-wrong-key-wrong-key", body: discoverRequest).status
            )
            #expect(statuses == [401, 401, 401, 429], "\(statuses)")
            let blocked = try await TokenIssuer.exchange("POST", gateway.url, bearer: good, body: discoverRequest)
            #expect(blocked.status == 429, "\(blocked)")
            #expect(Int(blocked.headers["retry-after"] ?? "") ?? 0 > 0, "\(blocked.headers)")
            // Requests without credentials (where a client's authorization starts) are still answered.
            #expect(try await TokenIssuer.exchange("POST", gateway.url, body: discoverRequest).status == 401)
            let events = try AuditLog(path: audit).tail(100).map(\.event).filter { $0.outcome == .unauthenticated }
            #expect(events.contains { $0.detail?.contains("too many bad credentials") == true }, "\(events.map(\.detail))")
        }
    }

    @Test("interop: the Python SDK client with a reader's token sees and calls what the role allows")
    func pythonClient() async throws {
        try await TokenGateway.run { gateway, _ in
            let token = try await gateway.issuer.mint("frank", roles: ["reader"], scope: "mcp", audience: gateway.audience)
            let output = try await ExternalProcess.run(
                Peers.python,
                [Peers.pythonScript("gateway_client.py"), "--era", "modern", gateway.url],
                environment: ["GATEWAY_KEY": token]
            )
            #expect(output.status == 0, "python client failed: \(output.stderr)")
            let report = try #require(try JSONValue(parsing: output.stdout).objectValue, "no report: \(output.stdout) \(output.stderr)")
            #expect(report["tools"] == ["demo__add", "demo__ask_model", "demo__echo", "demo__fail", "demo__sleep", "demo__stats"])
            #expect(report["echo"] == "through the gateway")
            let forbidden = report["forbidden"]?.stringValue ?? ""
            #expect(forbidden.contains("no tool \"demo__increment\" is available to frank"), "\(forbidden)")
            let refused = report["withoutKey"]?.stringValue ?? ""
            #expect(refused.hasPrefix("error:") && refused.contains("needs a bearer token"), "\(refused)")
        }
    }
}
