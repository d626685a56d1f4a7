import Foundation
import JSONCore
import MCPAuth
import SwitchboardAuth
import TestSupport
import Testing

/// Sign-ins the configuration file describes, run as a user runs them: a pre-registered client
/// and a machine client (`"grant": "client_credentials"`).
extension AuthorizationOverHTTP {
    @Suite("Sign-ins from the configuration: pre-registered and machine clients")
    struct ConfiguredSignInTests {
        /// A configuration file with one server, `oauth` its `"oauth"` settings, and a fresh
        /// configuration directory for the token file.
        static func withConfiguration(
            _ fixture: AuthFixture,
            oauth: String,
            _ body: (_ config: String, _ environment: [String: String]) async throws -> Void
        ) async throws {
            try await withTemporaryFolder(files: [:]) { home in
                let config = home + "/servers.json"
                try #"{"mcpServers": {"svc": {"url": "\#(fixture.url)", "switchboard": {"oauth": \#(oauth)}}}}"#
                    .write(toFile: config, atomically: true, encoding: .utf8)
                try await body(config, ["XDG_CONFIG_HOME": home, "SVC_SECRET": "machine-secret"])
            }
        }

        @Test("switchboard login NAME with the configured client: its secret from the environment, sent as configured")
        func preregisteredLogin() async throws {
            let port = try Network.freePort()
            let redirect = "http://127.0.0.1:\(port)/callback"
            try await AuthFixture.with(["--no-registration", "--preregistered", "pre-client:machine-secret:client_secret_post:\(redirect)"]) {
                fixture in
                let oauth =
                    #"{"clientId": "pre-client", "clientSecret": {"env": "SVC_SECRET"}, "tokenEndpointAuthMethod": "client_secret_post", "redirectUri": "\#(redirect)"}"#
                try await Self.withConfiguration(fixture, oauth: oauth) { config, environment in
                    let login = try await SigningInCommand(arguments: ["login", "svc", "--config", config, "--no-browser"], environment: environment)
                        .run()
                    #expect(login.status == 0, "\(login.stderr)")
                    #expect(login.stderr.contains("using the configured client pre-client"))
                    let call = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--config", config], environment: environment)
                    #expect(call.status == 0, "\(call.stderr)")
                    #expect(call.stdout.contains("test-user"))
                    #expect(try await fixture.counts().int("registrations") == 0)
                }
            }
        }

        @Test("a machine client signs in with client_credentials on its first call, reuses the token, and gets a new one when it is refused")
        func machineClient() async throws {
            try await AuthFixture.with(["--client-credentials", "machine:machine-secret"], separate: true) { fixture in
                let oauth = #"{"grant": "client_credentials", "clientId": "machine", "clientSecret": {"env": "SVC_SECRET"}}"#
                try await Self.withConfiguration(fixture, oauth: oauth) { config, environment in
                    for _ in 0..<2 {
                        let call = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--config", config], environment: environment)
                        #expect(call.status == 0, "\(call.stderr)")
                        #expect(call.stdout.contains("test-user"))
                    }
                    var counts = try await fixture.counts()
                    // One grant for both processes: the second used the stored token.
                    #expect(counts.int("client_credentials") == 1 && counts.int("authorizations") == 0)

                    let stored = try await TokenFile(path: environment["XDG_CONFIG_HOME"]! + "/switchboard/tokens.json").load()
                    let entry = try #require(stored.servers[fixture.url])
                    #expect(entry.client?.credentials.clientID == "machine")
                    // The secret stays in the configuration, not in the token file.
                    #expect(entry.client?.credentials.clientSecret == nil)

                    try await fixture.post("/expire")
                    let again = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--config", config], environment: environment)
                    #expect(again.status == 0, "\(again.stderr)")
                    counts = try await fixture.counts()
                    #expect(counts.int("client_credentials") == 2)
                }
            }
        }

        @Test("a machine client at a server that does not offer client_credentials fails, saying so")
        func machineClientNotOffered() async throws {
            try await AuthFixture.with([], separate: true) { fixture in
                let oauth = #"{"grant": "client_credentials", "clientId": "machine", "clientSecret": {"env": "SVC_SECRET"}}"#
                try await Self.withConfiguration(fixture, oauth: oauth) { config, environment in
                    let call = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--config", config], environment: environment)
                    #expect(call.status == 3)
                    #expect(call.stderr.contains("does not offer the client_credentials grant"), "\(call.stderr)")
                    #expect(try await fixture.events("token").isEmpty)
                }
            }
        }

        /// `doctor --json`'s steps for the one server: name, passed, and the hint of a failed one.
        static func doctor(_ config: String, _ environment: [String: String]) async throws -> [(name: String, passed: Bool, hint: String?)] {
            let run = try await ExternalProcess.run(Peers.switchboard, ["doctor", "--config", config, "--json"], environment: environment)
            guard case .object(let report) = try JSONValue(parsing: Array(run.stdout.utf8)),
                let steps = report["servers"]?.arrayValue?.first?.objectValue?["steps"]?.arrayValue
            else { throw Unexpected("doctor: \(run.status) \(run.stdout) \(run.stderr)") }
            #expect(run.status == 3)
            return steps.compactMap(\.objectValue).map { ($0.string("step") ?? "", $0.bool("passed") ?? false, $0.string("hint")) }
        }

        @Test("doctor reports a sign-in failure step by step: challenge, metadata, authorization server, registration, sign-in")
        func doctorSteps() async throws {
            try await AuthFixture.with([], separate: true) { fixture in
                try await Self.withConfiguration(fixture, oauth: "{}") { config, environment in
                    let steps = try await Self.doctor(config, environment)
                    let names = steps.map(\.name)
                    #expect(
                        Array(names.suffix(5)) == ["challenge", "resource metadata", "authorization server", "registration", "sign-in"],
                        "\(names)"
                    )
                    #expect(steps.dropLast().allSatisfy { $0.passed })
                    #expect(steps.last?.passed == false)
                    #expect(steps.last?.hint == "run `switchboard login svc`")
                }
            }
            // An authorization server without PKCE: the failing step is the authorization server's.
            try await AuthFixture.with(["--as-drop", "code_challenge_methods_supported"], separate: true) { fixture in
                try await Self.withConfiguration(fixture, oauth: "{}") { config, environment in
                    let steps = try await Self.doctor(config, environment)
                    #expect(steps.last?.name == "authorization server")
                    #expect(steps.last?.hint?.contains("PKCE") == true)
                }
            }
        }
    }
}
