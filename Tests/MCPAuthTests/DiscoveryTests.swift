import JSONCore
import MCPAuth
import Testing

@Suite("WWW-Authenticate challenges (RFC 7235, RFC 6750, RFC 9728)")
struct ChallengeTests {
    @Test("a Bearer challenge's resource_metadata, scope and error, with quoting, escapes and folded whitespace")
    func bearerParameters() throws {
        let header =
            #"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource",  scope="files:read  files:write files:read", error=insufficient_scope, error_description="needs \"write\"""#
        let challenge = try #require(try AuthenticationChallenge.bearer(in: [header]))
        #expect(challenge.resourceMetadata == "https://mcp.example.com/.well-known/oauth-protected-resource")
        #expect(challenge.scopes == ["files:read", "files:write"])
        #expect(challenge.error == "insufficient_scope")
        #expect(challenge.errorDescription == #"needs "write""#)
    }

    @Test("several challenges in one header and across headers; scheme and parameter names in any case")
    func severalChallenges() throws {
        let challenges = try AuthenticationChallenge.parse([#"Basic realm="a, b", BEARER Scope="x""#, "Negotiate abc+/de==", "DPoP algs=\"ES256\""])
        #expect(challenges.map(\.scheme) == ["Basic", "BEARER", "Negotiate", "DPoP"])
        #expect(challenges[0].parameters == ["realm": "a, b"])
        #expect(challenges[1].isBearer && challenges[1].scopes == ["x"])
        #expect(challenges[2].token68 == "abc+/de==")
        #expect(try AuthenticationChallenge.bearer(in: ["Basic realm=\"x\""]) == nil)
        #expect(try AuthenticationChallenge.parse("Bearer").first?.parameters.isEmpty == true)
        // By the grammar, a name and `=` alone is a token68, not a parameter without a value.
        #expect(try AuthenticationChallenge.parse("Bearer scope=").first?.token68 == "scope=")
    }

    @Test(
        "malformed headers are typed errors, never a guess",
        arguments: [#"Bearer scope="unclosed"#, "Bearer a=b, =c", #"Bearer scope="a", scope="b""#, "=x", #"Bearer realm="x\"#]
    )
    func malformed(header: String) {
        #expect(throws: AuthError.self) { try AuthenticationChallenge.parse(header) }
        do {
            _ = try AuthenticationChallenge.parse(header)
        } catch {
            #expect(error.code == .malformedChallenge)
        }
    }

    @Test("401 asks to authenticate, 403 insufficient_scope to step up with the challenged scopes, any other 403 is final")
    func statusDecisions() throws {
        let stepUp = try #require(try AuthenticationChallenge.bearer(in: [#"Bearer error="insufficient_scope", scope="a b""#]))
        #expect(ChallengeResponse(status: 403, challenge: stepUp) == .stepUp(scopes: ["a", "b"], challenge: stepUp))
        let invalid = try #require(try AuthenticationChallenge.bearer(in: [#"Bearer error="invalid_token""#]))
        #expect(ChallengeResponse(status: 403, challenge: invalid) == .forbidden(invalid))
        #expect(ChallengeResponse(status: 403, challenge: nil) == .forbidden(nil))
        #expect(ChallengeResponse(status: 401, challenge: invalid) == .authenticate(invalid))
        #expect(ChallengeResponse(status: 500, challenge: invalid) == nil)
    }
}

@Suite("Absolute URLs for discovery")
struct AbsoluteURLTests {
    @Test("components, default ports, loopback and origins")
    func components() throws {
        let url = try AbsoluteURL("HTTPS://Mcp.Example.com:8443/public/mcp/?x=1#f")
        #expect(url.scheme == "https" && url.host == "Mcp.Example.com" && url.port == 8443)
        #expect(url.path == "/public/mcp/" && url.trimmedPath == "/public/mcp" && url.query == "x=1" && url.fragment == "f")
        #expect(url.origin == "https://Mcp.Example.com:8443")
        #expect(try AbsoluteURL("https://h").effectivePort == 443 && AbsoluteURL("http://h").effectivePort == 80)
        #expect(
            try AbsoluteURL("http://[::1]:9/x").isLoopback && AbsoluteURL("http://127.0.0.9/").isLoopback && AbsoluteURL("http://localhost").isSecure
        )
        #expect(try !AbsoluteURL("http://example.com").isSecure && !AbsoluteURL("http://127.0.0.1.example.com").isLoopback)
        #expect(try AbsoluteURL("https://h:443").isSameOrigin(as: AbsoluteURL("HTTPS://H/x")))
    }

    @Test(
        "not absolute http(s) URLs are refused",
        arguments: [
            "mcp.example.com", "ftp://h/x", "https:/h", "https://", "https://u:p@h/", "https://h:0/", "https://h:x/", "https://[::1/x",
            "https://h /x",
        ]
    )
    func invalid(text: String) {
        #expect(throws: AuthError.self) { try AbsoluteURL(text) }
    }
}

@Suite("Protected resource metadata (RFC 9728)")
struct ProtectedResourceMetadataTests {
    func metadata(_ resource: String, servers: [String] = ["https://auth.example.com"]) throws(AuthError) -> ProtectedResourceMetadata {
        try ProtectedResourceMetadata(
            json: ["resource": .string(resource), "authorization_servers": .array(servers.map { .string($0) }), "scopes_supported": ["mcp:read"]],
            fetchedFrom: "https://mcp.example.com/.well-known/oauth-protected-resource"
        )
    }

    @Test("discovery order: the header's URL, then the well-known URL with the server's path, then the root one")
    func discoveryOrder() throws {
        let server = try AbsoluteURL("https://mcp.example.com/public/mcp/")
        let challenge = AuthenticationChallenge(scheme: "Bearer", parameters: ["resource_metadata": "https://mcp.example.com/prm"])
        #expect(
            ProtectedResourceMetadata.discoveryURLs(for: server, challenge: challenge) == [
                "https://mcp.example.com/prm",
                "https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp",
                "https://mcp.example.com/.well-known/oauth-protected-resource",
            ]
        )
        #expect(
            ProtectedResourceMetadata.discoveryURLs(for: try AbsoluteURL("https://mcp.example.com/"), challenge: nil) == [
                "https://mcp.example.com/.well-known/oauth-protected-resource"
            ]
        )
    }

    @Test("the metadata must be about this server: the same resource, or a parent of it on a segment boundary")
    func resourceMatch() throws {
        let server = try AbsoluteURL("https://mcp.example.com/api/mcp")
        for covering in [
            "https://mcp.example.com/api/mcp", "https://MCP.example.com:443/api/mcp/", "https://mcp.example.com/api", "https://mcp.example.com",
        ] {
            #expect(throws: Never.self, "\(covering)") { try metadata(covering).check(covers: server) }
        }
        for other in [
            "https://evil.example.com/api/mcp", "http://mcp.example.com/api/mcp", "https://mcp.example.com:8443/api/mcp",
            "https://mcp.example.com/apiary", "https://mcp.example.com/api/mcp/deeper", "https://mcp.example.com/api/mcp#x",
        ] {
            do {
                try metadata(other).check(covers: server)
                Issue.record("\(other) was accepted for \(server)")
            } catch {
                #expect(error.code == .resourceMismatch, "\(other)")
            }
        }
    }

    @Test("a document without resource or authorization servers is refused; the resource is kept exactly as written")
    func requiredFields() throws {
        #expect(try metadata("https://mcp.example.com/").resource == "https://mcp.example.com/")
        #expect(throws: AuthError.self) { try metadata("https://mcp.example.com", servers: []) }
        #expect(throws: AuthError.self) {
            try ProtectedResourceMetadata(json: ["authorization_servers": ["https://a"]], fetchedFrom: "https://x")
        }
    }
}

@Suite("Authorization server metadata (RFC 8414, OpenID Connect Discovery)")
struct AuthorizationServerMetadataTests {
    static func document(issuer: String = "https://auth.example.com/tenant1", extra: JSONObject = [:]) -> JSONObject {
        var json: JSONObject = [
            "issuer": .string(issuer),
            "authorization_endpoint": "https://auth.example.com/authorize",
            "token_endpoint": "https://auth.example.com/token",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        ]
        for (key, value) in extra { json[key] = value }
        return json
    }

    @Test("discovery order for issuers with and without a path, as the specification lists it")
    func discoveryOrder() throws {
        #expect(
            AuthorizationServerMetadata.discoveryURLs(forIssuer: try AbsoluteURL("https://auth.example.com/tenant1")) == [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
            ]
        )
        #expect(
            AuthorizationServerMetadata.discoveryURLs(forIssuer: try AbsoluteURL("https://auth.example.com/")) == [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration",
            ]
        )
        #expect(
            AuthorizationServerMetadata.legacyDiscoveryURL(forServer: try AbsoluteURL("https://api.example.com/v1/mcp"))
                == "https://api.example.com/.well-known/oauth-authorization-server"
        )
    }

    @Test("an issuer that is not the one the document was fetched for is refused; earlier revisions forgive one trailing slash")
    func issuerMismatch() throws {
        let expected = "https://auth.example.com/tenant1"
        do {
            _ = try AuthorizationServerMetadata(json: Self.document(issuer: "https://honest.example"), expectedIssuer: expected, fetchedFrom: "x")
            Issue.record("a foreign issuer was accepted")
        } catch {
            #expect(error.code == .issuerMismatch)
        }
        #expect(throws: AuthError.self) {
            try AuthorizationServerMetadata(json: Self.document(issuer: expected + "/"), expectedIssuer: expected, fetchedFrom: "x")
        }
        let lenient = try AuthorizationServerMetadata(
            json: Self.document(issuer: expected + "/"),
            expectedIssuer: expected,
            issuerRule: .ignoringTrailingSlash,
            fetchedFrom: "x"
        )
        #expect(lenient.issuer == expected + "/")
    }

    @Test("PKCE: refused when code_challenge_methods_supported is absent or lacks S256")
    func pkceSupport() throws {
        let expected = "https://auth.example.com/tenant1"
        var without = Self.document()
        without["code_challenge_methods_supported"] = nil
        for json in [without, Self.document(extra: ["code_challenge_methods_supported": ["plain"]])] {
            let metadata = try AuthorizationServerMetadata(json: json, expectedIssuer: expected, fetchedFrom: "x")
            do {
                try metadata.checkPKCE()
                Issue.record("a server without S256 was accepted")
            } catch {
                #expect(error.code == .pkceUnsupported)
            }
        }
        try AuthorizationServerMetadata(json: Self.document(), expectedIssuer: expected, fetchedFrom: "x").checkPKCE()
    }

    @Test("endpoints must be absolute and https unless on this machine; the code flow must be supported")
    func endpoints() throws {
        let expected = "https://auth.example.com/tenant1"
        for extra: JSONObject in [
            ["authorization_endpoint": "http://auth.example.com/authorize"], ["token_endpoint": "/token"],
            ["registration_endpoint": "javascript:alert(1)"], ["response_types_supported": ["token"]],
        ] {
            #expect(throws: AuthError.self, "\(extra)") {
                try AuthorizationServerMetadata(json: Self.document(extra: extra), expectedIssuer: expected, fetchedFrom: "x")
            }
        }
        let local = try AuthorizationServerMetadata(
            json: Self.document(extra: ["authorization_endpoint": "http://127.0.0.1:9000/authorize", "client_id_metadata_document_supported": true]),
            expectedIssuer: expected,
            fetchedFrom: "x"
        )
        #expect(local.clientIDMetadataDocumentSupported && !local.authorizationResponseIssParameterSupported)
    }

    @Test("the 2025-03-26 fallback: /authorize, /token and /register at the server's origin")
    func fallback() throws {
        let metadata = AuthorizationServerMetadata(fallbackFor: try AbsoluteURL("https://api.example.com/v1/mcp"))
        #expect(metadata.authorizationEndpoint == "https://api.example.com/authorize")
        #expect(metadata.tokenEndpoint == "https://api.example.com/token")
        #expect(metadata.registrationEndpoint == "https://api.example.com/register")
        #expect(metadata.isFallback)
    }
}

@Suite("What discovery may fetch (SSRF rules)")
struct FetchPolicyTests {
    @Test("https anywhere public, http only to this machine, private and link-local literals only when allowed")
    func rules() throws {
        let policy = FetchPolicy()
        for allowed in ["https://auth.example.com/x", "http://127.0.0.1:8080/", "http://localhost/", "https://8.8.8.8/", "http://[::1]:9/"] {
            #expect(throws: Never.self, "\(allowed)") { try policy.check(allowed) }
        }
        for refused in [
            "http://auth.example.com/", "https://10.0.0.5/", "https://172.20.1.1/", "https://192.168.1.1/", "https://169.254.169.254/latest",
            "https://0.0.0.0/", "https://[fd00::1]/", "https://[fe80::1]/", "https://[::ffff:10.1.2.3]/", "https://a/#frag", "file:///etc/passwd",
        ] {
            #expect(throws: AuthError.self, "\(refused)") { try policy.check(refused) }
        }
        let lenient = FetchPolicy(allowsPrivateNetworks: true)
        #expect(try lenient.check("https://10.0.0.5/").host == "10.0.0.5")
        #expect(throws: AuthError.self) { try lenient.check("http://10.0.0.5/") }
    }

    @Test(
        "addresses are judged by their bytes: every special-purpose range, IPv4 inside IPv6 included",
        arguments: [
            ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("10.2.3.4", "private"),
            ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("100.64.0.1", "shared (carrier-grade NAT)"), ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"), ("fd12::1", "private"), ("fc00::1", "private"), ("fe80::1%eth0", "link-local"),
            ("ff02::1", "multicast"), ("::ffff:10.0.0.1", "private"), ("::ffff:127.0.0.1", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:c0a8:0101::1", "private"), ("[::ffff:169.254.1.1]", "link-local"),
            ("8.8.8.8", "global"), ("172.32.0.1", "global"), ("100.128.0.1", "global"), ("2606:4700::1111", "global"),
            ("::ffff:8.8.4.4", "global"),
        ]
    )
    func ranges(literal: String, expected: String) throws {
        let address = try #require(IPAddress(literal: literal))
        #expect((address.range?.rawValue ?? "global") == expected)
    }

    @Test("only strict literals are addresses; anything else is a name, resolved and judged by what it resolves to")
    func literals() {
        for name in ["0x7f000001", "2130706433", "0177.0.0.1", "127.1", "127.000.000.001", "example.com", "[::1"] {
            #expect(IPAddress(literal: name) == nil, "\(name)")
        }
        #expect(IPAddress(literal: "[2001:db8::1]")?.description == "2001:db8::1")
        #expect(IPAddress(literal: "::ffff:10.0.0.1")?.bytes.count == 16)
    }

    @Test("resolved addresses: all must pass; loopback only for a URL naming this machine, which must resolve there only")
    func resolved() throws {
        let policy = FetchPolicy()
        let named = try AbsoluteURL("https://auth.example.com/x")
        let global = try #require(IPAddress(literal: "93.184.216.34"))
        let privateAddress = try #require(IPAddress(literal: "10.0.0.7"))
        let loopback = try #require(IPAddress(literal: "127.0.0.1"))
        #expect(throws: Never.self) { try policy.check(resolved: [global], of: named) }
        // One bad address among good ones is enough: the connection may use any of them.
        let mixed = #expect(throws: AuthError.self) { try policy.check(resolved: [global, privateAddress], of: named) }
        #expect(mixed?.message.contains("goes to 10.0.0.7, a private address") == true)
        #expect(throws: AuthError.self) { try policy.check(resolved: [loopback], of: named) }
        #expect(throws: AuthError.self) { try policy.check(resolved: [], of: named) }

        let local = try AbsoluteURL("http://localhost:8080/")
        #expect(throws: Never.self) { try policy.check(resolved: [loopback, try #require(IPAddress(literal: "::1"))], of: local) }
        let escaped = #expect(throws: AuthError.self) { try policy.check(resolved: [global], of: local) }
        #expect(escaped?.message.contains("names this machine") == true)

        let lenient = FetchPolicy(allowsPrivateNetworks: true)
        #expect(throws: Never.self) { try lenient.check(resolved: [privateAddress, loopback], of: named) }
        #expect(throws: AuthError.self) { try lenient.check(resolved: [try #require(IPAddress(literal: "0.0.0.0"))], of: named) }
    }
}
