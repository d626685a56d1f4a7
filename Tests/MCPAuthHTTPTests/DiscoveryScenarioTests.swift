import JSONCore
import MCPAuth
import MCPAuthHTTP
import SwitchboardAuth
import TestSupport
import Testing

/// The conformance suite's discovery scenarios, each staged by the fixture with its
/// authorization server where the scenario puts it, and the whole sign-in run against it.
extension AuthorizationOverHTTP {
    @Suite("Discovery scenarios: where the metadata is, and the 2025-03-26 fallbacks")
    struct DiscoveryScenarioTests {
        /// The paths the sign-in fetched, of one kind (`prm`, `metadata`, `metadata-miss`).
        static func paths(_ fixture: AuthFixture, _ kind: String) async throws -> [String] {
            try await fixture.events(kind).compactMap { $0.string("path") }
        }

        /// The conformance table: where the protected resource metadata is, whether the 401 names
        /// it, and where the authorization server's metadata is.
        @Test(
            "metadata-default and its three variants",
            arguments: [
                // metadata-default: PRM at the path-based URL, named in WWW-Authenticate; RFC 8414 at the root.
                (["--prm", "path", "--challenge-metadata", "yes", "--as-metadata", "oauth"], "/.well-known/oauth-authorization-server"),
                // metadata-var1: PRM path-based but not in the challenge; OpenID Connect discovery.
                (["--prm", "path", "--challenge-metadata", "no", "--as-metadata", "openid"], "/.well-known/openid-configuration"),
                // metadata-var2: PRM at the root, not in the challenge; an issuer with a path, RFC 8414 inserted.
                (
                    ["--prm", "root", "--challenge-metadata", "no", "--issuer-path", "/tenant1", "--as-metadata", "oauth"],
                    "/.well-known/oauth-authorization-server/tenant1"
                ),
                // metadata-var3: PRM at a custom URL named in the challenge; OpenID Connect with the path appended.
                (
                    ["--prm", "custom", "--challenge-metadata", "yes", "--issuer-path", "/tenant1", "--as-metadata", "openid-appended"],
                    "/tenant1/.well-known/openid-configuration"
                ),
            ]
        )
        func metadataLocations(arguments: [String], metadataPath: String) async throws {
            try await AuthFixture.with(arguments, separate: true) { fixture in
                let outcome = try await ConformanceScenarioTests.signIn(to: fixture).get()
                #expect(outcome.stored.tokens.resource == fixture.url)
                #expect(outcome.discovered.authorizationServer.issuer.hasPrefix(fixture.authorizationServerOrigin))
                let counts = try await fixture.counts()
                #expect(counts.int("registrations") == 1 && counts.int("authorizations") == 1 && counts.int("exchanges") == 1)

                // The metadata came from where the scenario put it.
                #expect(try await Self.paths(fixture, "metadata") == [metadataPath])
                let prm = try await Self.paths(fixture, "prm")
                switch arguments[1] {
                case "path":
                    // Path-based metadata found first: the root one is never asked for.
                    #expect(prm == ["/.well-known/oauth-protected-resource/mcp"])
                case "root": #expect(prm == ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"])
                default: #expect(prm == ["/custom/metadata/location.json"])
                }
                // For an issuer with a path, nothing is asked of the root's well-known URLs.
                if arguments.contains("/tenant1") {
                    let misses = try await Self.paths(fixture, "metadata-miss")
                    #expect(!misses.contains("/.well-known/oauth-authorization-server"), "\(misses)")
                    #expect(!misses.contains("/.well-known/openid-configuration"), "\(misses)")
                }
            }
        }

        @Test("2025-03-26 without protected resource metadata: the metadata at the server's origin, the endpoints it names")
        func legacyMetadataAtOrigin() async throws {
            try await AuthFixture.with(["--prm", "none", "--endpoint-prefix", "/oauth"]) { fixture in
                let outcome = try await ConformanceScenarioTests.signIn(to: fixture).get()
                #expect(outcome.discovered.protectedResource == nil)
                #expect(!outcome.discovered.authorizationServer.isFallback)
                #expect(outcome.discovered.authorizationServer.tokenEndpoint == fixture.base + "/oauth/token")
                #expect(outcome.stored.tokens.issuer == fixture.base)
                #expect(try await Self.paths(fixture, "metadata") == ["/.well-known/oauth-authorization-server"])
                let counts = try await fixture.counts()
                #expect(counts.int("registrations") == 1 && counts.int("exchanges") == 1)
            }
        }

        @Test("2025-03-26 without any metadata: /authorize, /token and /register at the server's origin")
        func legacyDefaultEndpoints() async throws {
            try await AuthFixture.with(["--prm", "none", "--as-metadata", "none"]) { fixture in
                let outcome = try await ConformanceScenarioTests.signIn(to: fixture).get()
                #expect(outcome.discovered.authorizationServer.isFallback)
                #expect(outcome.discovered.authorizationServer.authorizationEndpoint == fixture.base + "/authorize")
                #expect(outcome.stored.tokens.resource == fixture.url)
                let counts = try await fixture.counts()
                #expect(counts.int("registrations") == 1 && counts.int("authorizations") == 1 && counts.int("exchanges") == 1)
            }
        }

        @Test("scope from WWW-Authenticate wins over scopes_supported")
        func scopeFromChallenge() async throws {
            try await AuthFixture.with(["--challenge-scope", "mcp:basic", "--scopes", "mcp:basic mcp:read mcp:write"], separate: true) { fixture in
                let outcome = try await ConformanceScenarioTests.signIn(to: fixture).get()
                #expect(outcome.stored.requestedScopes == ["mcp:basic", "offline_access"])
                let authorizations = try await fixture.events("authorize")
                #expect(authorizations.count == 1)
                #expect(authorizations.first?["scopes"]?.arrayValue?.compactMap(\.stringValue) == ["mcp:basic", "offline_access"])
            }
        }
    }
}
