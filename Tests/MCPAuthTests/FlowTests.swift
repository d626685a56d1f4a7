import JSONCore
import MCPAuth
import Testing

@Suite("PKCE, scopes and the authorization request")
struct FlowTests {
    @Test("S256 matches RFC 7636 Appendix B; fresh verifiers are 43 unreserved characters and differ")
    func pkce() throws {
        let pair = try PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pair.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let fresh = (0..<100).map { _ in PKCE() }
        #expect(Set(fresh.map(\.verifier)).count == 100)
        #expect(fresh.allSatisfy { $0.verifier.utf8.count == 43 && (try? PKCE(verifier: $0.verifier)) == $0 })
        #expect(throws: AuthError.self) { try PKCE(verifier: "short") }
        #expect(throws: AuthError.self) { try PKCE(verifier: String(repeating: "a", count: 42) + "+") }
        #expect(PKCE.makeState() != PKCE.makeState())
    }

    @Test("initial scopes: the challenge's, else scopes_supported, else none; offline_access only when the server lists it")
    func initialScopes() {
        #expect(ScopeList.initial(challenged: ["a"], resourceSupported: ["b"], authorizationServerSupported: nil) == ["a"])
        #expect(ScopeList.initial(challenged: nil, resourceSupported: ["b", "c"], authorizationServerSupported: ["b"]) == ["b", "c"])
        #expect(ScopeList.initial(challenged: [], resourceSupported: nil, authorizationServerSupported: ["offline_access"]) == nil)
        #expect(
            ScopeList.initial(challenged: ["a"], resourceSupported: nil, authorizationServerSupported: ["a", "offline_access"]) == [
                "a", "offline_access",
            ]
        )
    }

    func request(issSupported: Bool = false, endpoint: String = "https://auth.example.com/authorize?tenant=1") throws -> AuthorizationRequest {
        var json = AuthorizationServerMetadataTests.document(issuer: "https://auth.example.com")
        json["authorization_endpoint"] = .string(endpoint)
        json["authorization_response_iss_parameter_supported"] = .bool(issSupported)
        let metadata = try AuthorizationServerMetadata(json: json, expectedIssuer: "https://auth.example.com", fetchedFrom: "x")
        return try AuthorizationRequest(
            authorizationServer: metadata,
            clientID: "https://switchboard.example/client.json",
            redirectURI: "http://127.0.0.1:51234/callback",
            resource: "https://mcp.example.com/mcp",
            scopes: ["files:read", "offline_access"],
            pkce: try PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            state: "s-1"
        )
    }

    @Test("the authorization URL carries PKCE S256, state, the exact resource and the scopes, after the endpoint's own query")
    func authorizationURL() throws {
        let url = try request().url
        #expect(url.hasPrefix("https://auth.example.com/authorize?tenant=1&response_type=code&"))
        let query = try #require(FormEncoding.decode(url.split(separator: "?", maxSplits: 1)[1]))
        let fields = Dictionary(query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(fields["resource"] == "https://mcp.example.com/mcp")
        #expect(fields["code_challenge"] == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" && fields["code_challenge_method"] == "S256")
        #expect(fields["scope"] == "files:read offline_access" && fields["state"] == "s-1" && fields["tenant"] == "1")
        #expect(url.contains("resource=https%3A%2F%2Fmcp.example.com%2Fmcp"))
    }

    @Test("an authorization endpoint that is not https (or on this machine) is never opened")
    func unsafeEndpoint() throws {
        var json = AuthorizationServerMetadataTests.document(issuer: "https://auth.example.com")
        json["code_challenge_methods_supported"] = nil
        let noPKCE = try AuthorizationServerMetadata(json: json, expectedIssuer: "https://auth.example.com", fetchedFrom: "x")
        #expect(throws: AuthError.self) {
            try AuthorizationRequest(
                authorizationServer: noPKCE,
                clientID: "c",
                redirectURI: "http://127.0.0.1/cb",
                resource: "https://m",
                scopes: nil
            )
        }
    }

    @Test("the redirect back: state first, then iss by the specification's table, then an error, then the code")
    func callback() throws {
        let plain = try request()
        #expect(try plain.validate(callbackQuery: "code=abc&state=s-1") == "abc")
        #expect(try plain.validate(callbackQuery: "code=abc&state=s-1&iss=https%3A%2F%2Fauth.example.com") == "abc")
        let advertised = try request(issSupported: true)
        #expect(try advertised.validate(callbackQuery: "code=abc&state=s-1&iss=https://auth.example.com") == "abc")
        let cases: [(AuthorizationRequest, String, AuthError.Code)] = [
            (plain, "code=abc", .stateMismatch),
            (plain, "code=abc&state=s-2", .stateMismatch),
            (advertised, "code=abc&state=s-1", .authorizationResponseIssuer),  // supported, missing
            (plain, "code=abc&state=s-1&iss=https://evil.example", .authorizationResponseIssuer),  // unexpected and wrong
            (advertised, "code=abc&state=s-1&iss=https://auth.example.com/", .authorizationResponseIssuer),  // never normalized
            (advertised, "code=abc&state=s-1&iss=HTTPS://auth.example.com", .authorizationResponseIssuer),
            (advertised, "error=access_denied&state=s-1&iss=https://evil.example", .authorizationResponseIssuer),
            (plain, "error=access_denied&error_description=no+thanks&state=s-1", .authorizationDenied),
            (plain, "state=s-1", .invalidValue),
            (plain, "code=%zz&state=s-1", .invalidValue),
        ]
        for (request, query, code) in cases {
            do {
                let accepted = try request.validate(callbackQuery: query)
                Issue.record("\(query) gave the code \(accepted)")
            } catch {
                #expect(error.code == code, "\(query)")
                if code == .authorizationResponseIssuer { #expect(!error.message.contains("access_denied"), "\(query)") }
            }
        }
    }

    @Test("form encoding round-trips any text, and reads '+' as a space")
    func formEncoding() throws {
        let fields = [(name: "a b", value: "x=y&z/é~"), (name: "empty", value: "")]
        let encoded = FormEncoding.encode(fields)
        #expect(encoded == "a%20b=x%3Dy%26z%2F%C3%A9~&empty=")
        let decoded = try #require(FormEncoding.decode(encoded))
        #expect(decoded.map(\.name) == ["a b", "empty"] && decoded.map(\.value) == ["x=y&z/é~", ""])
        #expect(FormEncoding.decode("q=a+b")?.first?.value == "a b")
        #expect(FormEncoding.decode("q=%FF") == nil)
    }
}
