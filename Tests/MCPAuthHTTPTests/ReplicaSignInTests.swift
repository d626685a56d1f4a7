import Foundation
import JSONCore
import MCPAuth
import SwitchboardAuth
import TestSupport
import Testing

extension AuthorizationOverHTTP {
    @Suite("Signing in to replicas")
    struct ReplicaSignInTests {
        @Test("login NAME signs in at each replica URL, the hub sends each replica its own token, and logout forgets them all")
        func replicas() async throws {
            try await AuthFixture.with { first in
                try await AuthFixture.with { second in
                    try await withTemporaryFolder(files: [:]) { folder in
                        let config = folder + "/servers.json"
                        try #"""
                        {"mcpServers": {"pair": {"url": "\#(first.url)", "switchboard": {"balancing": "round-robin",
                          "replicas": [{"url": "\#(first.url)"}, {"url": "\#(second.url)"}]}}}}
                        """#.write(toFile: config, atomically: true, encoding: .utf8)
                        let environment = ["XDG_CONFIG_HOME": folder]
                        let login = try await SigningInCommand(
                            arguments: ["login", "pair", "--config", config, "--no-browser"],
                            environment: environment
                        ).run()
                        #expect(login.status == 0, "\(login.stderr)")
                        #expect(login.signIns == 2)
                        #expect(login.stderr.contains("replica 2 of 2"))
                        let stored = try await TokenFile(path: folder + "/switchboard/tokens.json").load()
                        #expect(stored.servers[first.url]?.tokens.resource == first.url)
                        #expect(stored.servers[second.url]?.tokens.resource == second.url)

                        // The hub opens a session to each replica; each accepts only its own token.
                        for _ in 0..<2 {
                            let call = try await ExternalProcess.run(
                                Peers.switchboard,
                                ["call", "whoami", "--config", config],
                                environment: environment
                            )
                            #expect(call.status == 0, "\(call.stderr)")
                            #expect(call.stdout.contains("test-user"))
                        }
                        for fixture in [first, second] {
                            let counts = try await fixture.counts()
                            #expect(counts.int("authorizations") == 1 && counts.int("refreshes") == 0)
                            #expect((counts.int("bearer_requests") ?? 0) >= 1, "\(counts)")
                        }

                        let logout = try await ExternalProcess.run(
                            Peers.switchboard,
                            ["logout", "pair", "--config", config],
                            environment: environment
                        )
                        #expect(logout.status == 0, "\(logout.stderr)")
                        #expect(try await TokenFile(path: folder + "/switchboard/tokens.json").load().servers.isEmpty)
                    }
                }
            }
        }
    }
}
