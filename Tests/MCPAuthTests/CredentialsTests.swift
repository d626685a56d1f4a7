import JSONCore
import MCPAuth
import Testing

@Suite("Client credentials, token sets and the stored document")
struct CredentialsTests {
    @Test("token endpoint authentication: Basic with form-encoded parts, the secret in the body, or only the ID")
    func clientAuthentication() {
        func fields(_ credentials: ClientCredentials) -> ([(name: String, value: String)], [(name: String, value: String)]) {
            var fields: [(name: String, value: String)] = [("grant_type", "authorization_code")]
            var headers: [(name: String, value: String)] = []
            credentials.authenticate(&fields, &headers)
            return (fields, headers)
        }
        let basic = fields(ClientCredentials(issuer: "https://as", clientID: "a b", clientSecret: "s:1", authMethod: .clientSecretBasic))
        // base64("a%20b:s%3A1"): a space as %20, which every server's decoder reads as a space
        // (a "+" would stay a "+" for one that uses plain percent-decoding).
        #expect(basic.1.map(\.value) == ["Basic YSUyMGI6cyUzQTE="])
        #expect(basic.0.filter { $0.name.hasPrefix("client_") }.map(\.value) == ["a b"])
        let post = fields(ClientCredentials(issuer: "https://as", clientID: "id", clientSecret: "secret", authMethod: .clientSecretPost))
        #expect(post.0.filter { $0.name.hasPrefix("client_") }.map(\.value) == ["id", "secret"])
        #expect(post.1.isEmpty)
        let none = fields(ClientCredentials(issuer: "https://as", clientID: "id"))
        #expect(none.0.filter { $0.name.hasPrefix("client_") }.map(\.value) == ["id"])
        #expect(ClientCredentials(issuer: "https://as", clientID: "id", clientSecret: "s").authMethod == .clientSecretBasic)
    }

    @Test("a token response: Bearer only, expiry from expires_in, scope and refresh token kept when omitted")
    func tokenResponse() throws {
        let tokens = try TokenSet(
            tokenResponse: ["access_token": "at", "token_type": "bearer", "expires_in": 100],
            issuer: "https://as",
            resource: "https://mcp/x",
            now: 1000,
            requestedScopes: ["a"],
            previousRefreshToken: "rt"
        )
        #expect(tokens.expiresAt == 1100 && tokens.obtainedAt == 1000)
        #expect(tokens.scopes == ["a"] && tokens.refreshToken == "rt")
        #expect(throws: AuthError.self) {
            try TokenSet(tokenResponse: ["access_token": "at", "token_type": "mac"], issuer: "i", resource: "r", now: 0, requestedScopes: nil)
        }
        #expect(throws: AuthError.self) {
            try TokenSet(tokenResponse: ["token_type": "Bearer"], issuer: "i", resource: "r", now: 0, requestedScopes: nil)
        }
    }

    @Test("refresh within the margin, or within half the lifetime when that is shorter; never without an expiry")
    func refreshTiming() {
        let hour = TokenSet(accessToken: "a", refreshToken: "r", scopes: nil, expiresAt: 4600, issuer: "i", resource: "r", obtainedAt: 1000)
        #expect(!hour.needsRefresh(now: 4500, margin: 60))
        #expect(hour.needsRefresh(now: 4541, margin: 60))
        let short = TokenSet(accessToken: "a", refreshToken: "r", scopes: nil, expiresAt: 1010, issuer: "i", resource: "r", obtainedAt: 1000)
        #expect(!short.needsRefresh(now: 1004, margin: 60))
        #expect(short.needsRefresh(now: 1005, margin: 60))
        let unknown = TokenSet(accessToken: "a", refreshToken: "r", scopes: nil, expiresAt: nil, issuer: "i", resource: "r")
        #expect(!unknown.needsRefresh(now: 1e12))
    }

    @Test("the stored document round-trips, and anything malformed is refused rather than guessed")
    func storedDocument() throws {
        let tokens = TokenSet(
            accessToken: "at",
            refreshToken: "rt",
            scopes: ["s1", "offline_access"],
            expiresAt: 2000.5,
            issuer: "https://as",
            resource: "https://mcp.example/mcp",
            obtainedAt: 1000
        )
        let stored = StoredAuthorizations(
            clients: [
                "https://as": .init(
                    credentials: ClientCredentials(issuer: "https://as", clientID: "c", clientSecret: "s", authMethod: .clientSecretPost),
                    redirectURIs: ["http://127.0.0.1:4000/callback"]
                )
            ],
            servers: [
                "https://mcp.example/mcp": .init(tokens: tokens, tokenEndpoint: "https://as/token", name: "example", requestedScopes: ["s1"])
            ]
        )
        let text = stored.json.serializedString()
        #expect(try StoredAuthorizations(json: JSONValue(parsing: text)) == stored)
        #expect(throws: AuthError.self) { try StoredAuthorizations(json: ["version": 2]) }
        #expect(throws: AuthError.self) { try StoredAuthorizations(json: ["version": 1, "servers": ["u": ["accessToken": "x"]]]) }
        #expect(throws: AuthError.self) {
            try StoredAuthorizations(json: ["version": 1, "clients": ["i": ["clientId": "c", "authMethod": "private_key_jwt"]]])
        }
    }
}
