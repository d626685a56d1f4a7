import Foundation
import JSONCore
import MCPAuth
import MCPAuthHTTP
import SwitchboardAuth
import TestSupport
import Testing

/// The conformance suite's client scenarios that the fixture can stage: the whole sign-in
/// (`SignIn` with the real loopback listener), the browser's part done by an HTTP client.
extension AuthorizationOverHTTP {
    @Suite("Sign-in scenarios against the Python SDK's authorization server")
    struct ConformanceScenarioTests {
        /// Signs in to `fixture` with the whole flow and the real loopback listener, the browser's
        /// part done by an HTTP client.
        static func signIn(
            to fixture: AuthFixture,
            registration: ClientRegistration = ClientRegistration(),
            storage: TokenFile? = nil
        ) async -> Result<SignIn.Outcome, AuthError> {
            let home = NSTemporaryDirectory() + "switchboard-scenario-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: home) }
            let http = AuthorizationHTTPClient()
            let signIn = SignIn(
                serverURL: fixture.url,
                serverName: "fixture",
                storage: storage ?? TokenFile(path: home + "/tokens.json"),
                http: http,
                registration: registration
            )
            let outcome: Result<SignIn.Outcome, AuthError>
            do throws(AuthError) {
                outcome = .success(
                    try await signIn.run(listener: LoopbackRedirectListener(timeout: .seconds(60))) { url in
                        // The browser: to the authorization server, then back to the listener.
                        guard let callback = try? await Browser.redirect(from: url) else { return }
                        _ = try? await Browser.get(callback)
                    }
                )
            } catch {
                outcome = .failure(error)
            }
            await http.shutdown()
            return outcome
        }

        /// Signs in to a fixture started with `arguments`; the outcome (or the error) and the
        /// fixture's counts.
        static func signIn(_ arguments: [String]) async throws -> (outcome: Result<SignIn.Outcome, AuthError>, counts: JSONObject) {
            try await AuthFixture.with(arguments) { fixture in
                let outcome = await signIn(to: fixture)
                return (outcome, try await fixture.counts())
            }
        }

        @Test(
            "scopes: from scopes_supported, offline_access only when advertised, omitted when none are published",
            arguments: [
                ([String](), ["mcp:tools", "offline_access"] as [String]?),
                (["--as-set", #"scopes_supported=["mcp:tools"]"#], ["mcp:tools"]),
                (["--prm-set", "scopes_supported=null"], nil),
            ]
        )
        func scopes(arguments: [String], expected: [String]?) async throws {
            let (_, counts) = try await Self.signIn(arguments)
            #expect(counts["last_scopes"]?.arrayValue?.compactMap(\.stringValue) == expected)
            #expect(counts.int("authorizations") == 1)
        }

        @Test(
            "token endpoint authentication as registered: none, client_secret_basic, client_secret_post",
            arguments: [
                ([String](), ClientCredentials.AuthMethod.none),
                (["--register-auth-method", "client_secret_basic"], .clientSecretBasic),
                (["--register-auth-method", "client_secret_post"], .clientSecretPost),
            ]
        )
        func tokenEndpointAuthentication(arguments: [String], method: ClientCredentials.AuthMethod) async throws {
            let (outcome, counts) = try await Self.signIn(arguments)
            let signedIn = try outcome.get()
            #expect(signedIn.registered)
            #expect(counts.int("exchanges") == 1)
            #expect(signedIn.stored.tokens.refreshToken != nil)
            #expect(signedIn.client.credentials.authMethod == method)
            #expect((signedIn.client.credentials.clientSecret != nil) == (method != .none))
        }

        /// RFC 9207 by the specification's table, with exact string comparison.
        @Test(
            "iss in the authorization response: supported, not advertised, missing, wrong, unexpected, normalized",
            arguments: [
                (["--iss", "correct", "--as-set", "authorization_response_iss_parameter_supported=true"], nil as AuthError.Code?),
                (["--iss", "omit"], nil),
                (["--iss", "omit", "--as-set", "authorization_response_iss_parameter_supported=true"], .authorizationResponseIssuer),
                (["--iss", "wrong", "--as-set", "authorization_response_iss_parameter_supported=true"], .authorizationResponseIssuer),
                (["--iss", "wrong"], .authorizationResponseIssuer),
                (["--iss", "correct"], nil),
                (["--iss", "normalized", "--as-set", "authorization_response_iss_parameter_supported=true"], .authorizationResponseIssuer),
            ]
        )
        func issuerInResponse(arguments: [String], expected: AuthError.Code?) async throws {
            let (outcome, counts) = try await Self.signIn(arguments)
            switch outcome {
            case .success:
                #expect(expected == nil)
                #expect(counts.int("exchanges") == 1)
            case .failure(let error):
                #expect(error.code == expected, "\(error)")
                // A response refused for its issuer never has its code exchanged.
                #expect(counts.int("exchanges") == 0)
            }
        }
    }
}
