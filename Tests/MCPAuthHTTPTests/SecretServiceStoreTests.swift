import Foundation
import JSONCore
import MCPAuth
import SwitchboardAuth
import TestSupport
import Testing

/// Sign-ins kept in the Secret Service (`"tokenStore": "secret-service"`), against the real
/// GNOME Keyring on a private session bus.
extension AuthorizationOverHTTP {
    @Suite("The Secret Service token store")
    struct SecretServiceStoreTests {
        static func withKeyring(_ body: (_ session: SecretServiceSession, _ folder: String) async throws -> Void) async throws {
            try await withTemporaryFolder(files: [:]) { folder in
                let session = try await SecretServiceSession(home: folder + "/home")
                defer { session.stop() }
                try await body(session, folder)
            }
        }

        static func entry(_ url: String, expiresAt: Double) -> StoredAuthorizations.Server {
            let tokens = TokenSet(
                accessToken: "access-\(url)",
                refreshToken: "refresh-\(url)",
                scopes: ["mcp"],
                expiresAt: expiresAt,
                issuer: "https://as.example",
                resource: url
            )
            return StoredAuthorizations.Server(tokens: tokens, tokenEndpoint: "https://as.example/token", name: nil, requestedScopes: ["mcp"])
        }

        @Test("sign-ins are kept with their expiry in the keyring, one secret per configuration folder, and never in a file")
        func roundTrip() async throws {
            try await Self.withKeyring { session, folder in
                let store = SecretServiceStore(directory: folder + "/a", environment: session.environment)
                let other = SecretServiceStore(directory: folder + "/b", environment: session.environment)
                #expect(try await store.load() == StoredAuthorizations())

                let entry = Self.entry("https://mcp.example/mcp", expiresAt: 1_900_000_000.5)
                try await store.update { stored throws(AuthError) in stored.servers[entry.tokens.resource] = entry }
                let loaded = try await store.load()
                #expect(loaded.servers["https://mcp.example/mcp"] == entry)
                #expect(loaded.servers["https://mcp.example/mcp"]?.tokens.expiresAt == 1_900_000_000.5)
                #expect(try await other.load().servers.isEmpty)

                // The secret is the service's, as any libsecret client sees it.
                let lookup = try await ExternalProcess.run(
                    SecretServiceSession.secretTool,
                    ["lookup", "application", "switchboard", "store", "tokens", "profile", folder + "/a"],
                    environment: session.environment
                )
                #expect(lookup.status == 0)
                #expect(lookup.stdout.contains("access-https://mcp.example/mcp"))
                // Only the lock is on disk.
                let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/a")
                #expect(files == ["secret-service.lock"])
            }
        }

        @Test("24 concurrent updates through separate stores lose none of each other's sign-ins")
        func concurrentUpdates() async throws {
            try await Self.withKeyring { session, folder in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<24 {
                        group.addTask {
                            let store = SecretServiceStore(directory: folder + "/shared", environment: session.environment)
                            let entry = Self.entry("https://mcp.example/\(index)", expiresAt: 1_900_000_000)
                            try await store.update { stored throws(AuthError) in stored.servers[entry.tokens.resource] = entry }
                        }
                    }
                    try await group.waitForAll()
                }
                let stored = try await SecretServiceStore(directory: folder + "/shared", environment: session.environment).load()
                #expect(stored.servers.count == 24)
            }
        }

        @Test("a secret that is not the store's JSON is refused as malformed, saying how to start over")
        func malformedSecret() async throws {
            try await Self.withKeyring { session, folder in
                let store = SecretServiceStore(directory: folder + "/c", environment: session.environment)
                let written = try await ExternalProcess.run(
                    SecretServiceSession.secretTool,
                    ["store", "--label=junk"] + ["application", "switchboard", "store", "tokens", "profile", folder + "/c"],
                    environment: session.environment,
                    stdin: "not json"
                )
                #expect(written.status == 0)
                let error = await #expect(throws: AuthError.self) { try await store.load() }
                #expect(error?.code == .malformedStore)
                #expect(error?.message.contains("secret-tool clear") == true)
            }
        }

        @Test("no Secret Service on the bus, or no secret-tool: storeUnavailable, with what to install or run")
        func unavailable() async throws {
            try await withTemporaryFolder(files: [:]) { folder in
                let noBus = SecretServiceStore(directory: folder, environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=\(folder)/no-bus"])
                let unreachable = await #expect(throws: AuthError.self) { try await noBus.load() }
                #expect(unreachable?.code == .storeUnavailable)
                #expect(unreachable?.message.contains("must be running on the session bus") == true, "\(String(describing: unreachable))")
                let written = await #expect(throws: AuthError.self) {
                    try await noBus.update { stored throws(AuthError) in stored.servers["x"] = Self.entry("x", expiresAt: 0) }
                }
                #expect(written?.code == .storeUnavailable)

                let noTool = SecretServiceStore(directory: folder, program: folder + "/secret-tool")
                let missing = await #expect(throws: AuthError.self) { try await noTool.load() }
                #expect(missing?.code == .storeUnavailable)
                #expect(missing?.message.contains("install libsecret-tools") == true, "\(String(describing: missing))")
            }
        }

        @Test("login, auth status, a call and logout with \"tokenStore\": \"secret-service\": the tokens never reach a file")
        func commandLine() async throws {
            try await AuthFixture.with { fixture in
                try await Self.withKeyring { session, folder in
                    let config = folder + "/switchboard/config.json"
                    try FileManager.default.createDirectory(atPath: folder + "/switchboard", withIntermediateDirectories: true)
                    try #"{"switchboard": {"tokenStore": "secret-service"}, "mcpServers": {"protected": {"url": "\#(fixture.url)"}}}"#
                        .write(toFile: config, atomically: true, encoding: .utf8)
                    let environment = session.environment.merging(["XDG_CONFIG_HOME": folder]) { _, new in new }

                    // By name, from the configuration the usual search finds.
                    let login = try await SigningInCommand(arguments: ["login", "protected", "--no-browser"], environment: environment).run()
                    #expect(login.status == 0, "\(login.stderr)")
                    #expect(login.signIns == 1)
                    #expect(!FileManager.default.fileExists(atPath: folder + "/switchboard/tokens.json"))

                    let stored = try await SecretServiceStore(directory: folder + "/switchboard", environment: session.environment).load()
                    let entry = try #require(stored.servers[fixture.url])
                    #expect(entry.tokens.expiresAt != nil)

                    let status = try await ExternalProcess.run(Peers.switchboard, ["auth", "status", "--json"], environment: environment)
                    #expect(status.status == 0, "\(status.stderr)")
                    #expect(status.stdout.contains("the Secret Service") && status.stdout.contains(fixture.url))
                    #expect(!status.stdout.contains(entry.tokens.accessToken))

                    // A --url command finds the store through the same configuration.
                    let call = try await ExternalProcess.run(Peers.switchboard, ["call", "whoami", "--url", fixture.url], environment: environment)
                    #expect(call.status == 0, "\(call.stderr)")
                    #expect(call.stdout.contains("test-user"))
                    #expect(try await fixture.counts().int("authorizations") == 1)

                    // The environment wins over the configuration: the file store has nothing.
                    var fileEnvironment = environment
                    fileEnvironment["SWITCHBOARD_TOKEN_STORE"] = "file"
                    let fileStatus = try await ExternalProcess.run(Peers.switchboard, ["auth", "status"], environment: fileEnvironment)
                    #expect(fileStatus.stdout.contains("no sign-ins stored in \(folder)/switchboard/tokens.json"), "\(fileStatus.stdout)")
                    fileEnvironment["SWITCHBOARD_TOKEN_STORE"] = "keyring"
                    let badVariable = try await ExternalProcess.run(Peers.switchboard, ["auth", "status"], environment: fileEnvironment)
                    #expect(badVariable.status == 2)
                    #expect(badVariable.stderr.contains("SWITCHBOARD_TOKEN_STORE must be one of file, secret-service"))

                    let logout = try await ExternalProcess.run(Peers.switchboard, ["logout", "protected"], environment: environment)
                    #expect(logout.status == 0, "\(logout.stderr)")
                    let after = try await SecretServiceStore(directory: folder + "/switchboard", environment: session.environment).load()
                    #expect(after.servers[fixture.url] == nil)
                }
            }
        }
    }
}
