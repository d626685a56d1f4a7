import JSONCore
import MCPAuth
import Testing

@Suite("Which client a sign-in uses")
struct ClientRegistrationTests {
    static let issuer = "https://as.example"
    static let redirect = "http://127.0.0.1:40111/callback"
    static let now = 1_800_000_000.0

    static func metadata(registration: Bool = true, cimd: Bool = false) throws -> AuthorizationServerMetadata {
        var document: JSONObject = [
            "issuer": .string(issuer), "authorization_endpoint": .string(issuer + "/authorize"), "token_endpoint": .string(issuer + "/token"),
            "code_challenge_methods_supported": ["S256"], "response_types_supported": ["code"],
        ]
        if registration { document["registration_endpoint"] = .string(issuer + "/register") }
        if cimd { document["client_id_metadata_document_supported"] = true }
        return try AuthorizationServerMetadata(
            json: document,
            expectedIssuer: issuer,
            fetchedFrom: issuer + "/.well-known/oauth-authorization-server"
        )
    }

    static func stored(secretExpiresAt: Double?, secret: String? = "s3cret") -> StoredAuthorizations.Client {
        StoredAuthorizations.Client(
            credentials: ClientCredentials(issuer: issuer, clientID: "dyn-1", clientSecret: secret, secretExpiresAt: secretExpiresAt),
            redirectURIs: [redirect]
        )
    }

    @Test("a stored registration is used while its secret is good, and replaced once it has expired (or is about to)")
    func expiredSecret() throws {
        let registration = ClientRegistration()
        let server = try Self.metadata()
        func choice(_ client: StoredAuthorizations.Client) throws -> ClientRegistration.Choice {
            try registration.choose(for: server, stored: client, redirectURI: Self.redirect, scopes: nil, now: Self.now)
        }
        #expect(try choice(Self.stored(secretExpiresAt: nil)) == .stored(Self.stored(secretExpiresAt: nil)))
        #expect(try choice(Self.stored(secretExpiresAt: Self.now + 3600)) == .stored(Self.stored(secretExpiresAt: Self.now + 3600)))
        #expect(try choice(Self.stored(secretExpiresAt: Self.now - 1)) == .register(endpoint: Self.issuer + "/register"))
        #expect(try choice(Self.stored(secretExpiresAt: Self.now + 30)) == .register(endpoint: Self.issuer + "/register"))
        // A public client has no secret to expire.
        let publicClient = Self.stored(secretExpiresAt: Self.now - 1, secret: nil)
        #expect(try choice(publicClient) == .stored(publicClient))
    }

    @Test("client_secret_expires_at is read (0: never) and kept in the store")
    func secretExpiryStored() throws {
        let expiring = try ClientCredentials(
            registrationResponse: ["client_id": "dyn-1", "client_secret": "s3cret", "client_secret_expires_at": .double(Self.now)],
            issuer: Self.issuer
        )
        #expect(expiring.secretExpiresAt == Self.now)
        let forever = try ClientCredentials(
            registrationResponse: ["client_id": "dyn-2", "client_secret": "s3cret", "client_secret_expires_at": 0],
            issuer: Self.issuer
        )
        #expect(forever.secretExpiresAt == nil)

        let stored = StoredAuthorizations(clients: [Self.issuer: StoredAuthorizations.Client(credentials: expiring, redirectURIs: [Self.redirect])])
        let restored = try StoredAuthorizations(json: try JSONValue(parsing: Array(stored.json.serializedString().utf8)))
        #expect(restored.clients[Self.issuer]?.credentials.secretExpiresAt == Self.now)
        #expect(restored == stored)
    }

    @Test("the specification's order: configured client, then a metadata document, then registration, else what to configure")
    func order() throws {
        let configured = ClientRegistration(
            preregistered: .init(clientID: "cfg", clientSecret: nil, issuer: nil, redirectURI: nil),
            metadataDocumentURL: "https://app.example/switchboard.json"
        )
        let both = try Self.metadata(cimd: true)
        guard case .preregistered(let client) = try configured.choose(for: both, stored: nil, redirectURI: Self.redirect, scopes: nil, now: Self.now)
        else {
            Issue.record("a configured client comes first")
            return
        }
        #expect(client.credentials.clientID == "cfg" && client.credentials.issuer == Self.issuer)

        let document = ClientRegistration(metadataDocumentURL: "https://app.example/switchboard.json")
        guard case .metadataDocument(let cimd) = try document.choose(for: both, stored: nil, redirectURI: Self.redirect, scopes: nil, now: Self.now)
        else {
            Issue.record("a metadata document comes before registration")
            return
        }
        #expect(cimd.credentials.clientID == "https://app.example/switchboard.json")
        #expect(
            try document.choose(for: try Self.metadata(), stored: nil, redirectURI: Self.redirect, scopes: nil, now: Self.now)
                == .register(endpoint: Self.issuer + "/register")
        )

        let error = #expect(throws: AuthError.self) {
            try ClientRegistration().choose(
                for: try Self.metadata(registration: false),
                stored: nil,
                redirectURI: Self.redirect,
                scopes: nil,
                now: Self.now
            )
        }
        #expect(error?.code == .registrationUnavailable)
        #expect(error?.message.contains("\"clientId\"") == true)
    }
}
