import Foundation
import JSONCore
import MCPAuth
import SwitchboardAuth
import TestSupport
import Testing

/// Commands that meet a server asking for more: a sign-in, more scope (step-up), or one with
/// another authorization server; run as a user runs them, the shipped binary showing each
/// sign-in URL (`--sign-in url`) and an HTTP client playing the browser.
extension AuthorizationOverHTTP {
    @Suite("Step-up, its limit, and a server that moves to another authorization server")
    struct StepUpCommandTests {
        /// A fresh configuration directory for the token file.
        struct Home {
            let path = NSTemporaryDirectory() + "switchboard-stepup-\(UUID().uuidString)"
            var environment: [String: String] { ["XDG_CONFIG_HOME": path] }
            var tokens: TokenFile { TokenFile(path: path + "/switchboard/tokens.json") }

            func run(_ arguments: [String]) async throws -> SigningInCommand.Outcome {
                try await SigningInCommand(arguments: arguments, environment: environment).run()
            }

            func remove() { try? FileManager.default.removeItem(atPath: path) }
        }

        static func scopes(_ event: JSONObject) -> [String] { event["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

        @Test("a call needing more scope signs in again with the union of the scopes, once, and goes through")
        func stepUp() async throws {
            let arguments = ["--challenge-scope", "mcp:basic", "--scopes", "mcp:basic mcp:write", "--require", "tools/call=mcp:write"]
            try await AuthFixture.with(arguments, separate: true) { fixture in
                let home = Home()
                defer { home.remove() }
                let call = try await home.run(["call", "write_note", "text=hi", "--url", fixture.url, "--sign-in", "url"])
                #expect(call.status == 0, "\(call.stderr)")
                #expect(call.stdout.contains("noted: hi"))
                // The first sign-in for the challenge's scope, the second for the step-up.
                #expect(call.signIns == 2)
                let authorizations = try await fixture.events("authorize")
                #expect(authorizations.map(Self.scopes) == [["mcp:basic", "offline_access"], ["mcp:basic", "offline_access", "mcp:write"]])
                // The first registration was for less scope than the step-up asks: registered again.
                #expect(try await fixture.counts().int("registrations") == 2)
                let stored = try #require(try await home.tokens.load().servers[fixture.url])
                #expect(stored.requestedScopes == ["mcp:basic", "offline_access", "mcp:write"])

                // The stepped-up sign-in is kept: the next process calls at once.
                let again = try await home.run(["call", "write_note", "text=again", "--url", fixture.url, "--sign-in", "never"])
                #expect(again.status == 0, "\(again.stderr)")
                #expect(again.signIns == 0)
                #expect(try await fixture.events("authorize").count == 2)
            }
        }

        @Test("without anyone to sign in, a call needing more scope fails with the login to run, scopes included")
        func stepUpWithoutBrowser() async throws {
            let arguments = ["--challenge-scope", "mcp:basic", "--scopes", "mcp:basic mcp:write", "--require", "tools/call=mcp:write"]
            try await AuthFixture.with(arguments, separate: true) { fixture in
                let home = Home()
                defer { home.remove() }
                let list = try await home.run(["tools", "--url", fixture.url, "--sign-in", "url"])
                #expect(list.status == 0, "\(list.stderr)")
                let call = try await home.run(["call", "write_note", "text=hi", "--url", fixture.url, "--sign-in", "never"])
                #expect(call.status == 3)
                #expect(
                    call.stderr.contains("switchboard login --url \(fixture.url) --scope \"mcp:basic offline_access mcp:write\""),
                    "\(call.stderr)"
                )
                #expect(try await fixture.events("authorize").count == 1)
            }
        }

        @Test("a server that never grants the scope it asks for gets at most three authorizations, then a typed failure")
        func retryLimit() async throws {
            try await AuthFixture.with(
                ["--challenge-scope", "mcp:admin", "--scopes", "mcp:admin", "--always-insufficient", "mcp:admin"],
                separate: true
            ) {
                fixture in
                let home = Home()
                defer { home.remove() }
                let call = try await home.run(["call", "whoami", "--url", fixture.url, "--sign-in", "url"])
                #expect(call.status == 3)
                #expect(call.stderr.contains("still refuses the request after 3 renewals"), "\(call.stderr)")
                let authorizations = try await fixture.events("authorize")
                #expect(authorizations.count == 3)
                #expect(call.signIns == 3)
            }
        }

        @Test("a 403 that is not insufficient_scope is not retried with the same token")
        func forbiddenIsFinal() async throws {
            try await AuthFixture.with(["--forbidden"], separate: true) { fixture in
                let home = Home()
                defer { home.remove() }
                let call = try await home.run(["call", "whoami", "--url", fixture.url, "--sign-in", "url"])
                #expect(call.status == 3)
                let counts = try await fixture.counts()
                // One sign-in for the 401, then one request with the token, refused and final.
                #expect(counts.int("authorizations") == 1 && counts.int("refreshes") == 0)
                #expect(counts.int("bearer_requests") == 1, "\(counts)")
            }
        }

        @Test("a server that moves to another authorization server: registered anew there, nothing of the old one reused")
        func authorizationServerMigration() async throws {
            try await AuthFixture.with(["--challenge-scope", "mcp:basic", "--scopes", "mcp:basic"], separate: true, second: true) { fixture in
                let home = Home()
                defer { home.remove() }
                let login = try await home.run(["login", "--url", fixture.url, "--no-browser"])
                #expect(login.status == 0, "\(login.stderr)")
                let first = try await home.run(["call", "whoami", "--url", fixture.url, "--sign-in", "never"])
                #expect(first.status == 0, "\(first.stderr)")
                let before = try await home.tokens.load()
                let oldIssuer = try #require(before.servers[fixture.url]?.tokens.issuer)
                let oldClient = try #require(before.clients[oldIssuer]?.credentials.clientID)

                try await fixture.post("/migrate")
                let second = try #require(fixture.secondAuthorizationServerOrigin)
                let refused = try await home.run(["call", "whoami", "--url", fixture.url, "--sign-in", "never"])
                #expect(refused.status == 3)
                #expect(refused.stderr.contains("now uses the authorization server \(second)"), "\(refused.stderr)")

                let moved = try await home.run(["call", "whoami", "--url", fixture.url, "--sign-in", "url"])
                #expect(moved.status == 0, "\(moved.stderr)")
                #expect(moved.signIns == 1)

                #expect(try await fixture.events("register", at: "as2").count == 1)
                let seenAtSecond = try await fixture.events("client-lookup", at: "as2").compactMap { $0.string("client_id") }
                #expect(!seenAtSecond.isEmpty && !seenAtSecond.contains(oldClient))
                let tokenRequestsAtSecond = try await fixture.events("token", at: "as2").compactMap { $0.string("client_id") }
                #expect(!tokenRequestsAtSecond.contains(oldClient))
                // No refresh was tried at the old authorization server once the server had moved.
                let refreshesAtFirst = try await fixture.events("token", at: "as1").filter { $0.string("grant_type") == "refresh_token" }
                #expect(refreshesAtFirst.isEmpty)

                let after = try await home.tokens.load()
                #expect(after.servers[fixture.url]?.tokens.issuer == second)
                #expect(after.clients[oldIssuer]?.credentials.clientID == oldClient)
                #expect(after.clients[second] != nil && after.clients[second]?.credentials.clientID != oldClient)
            }
        }
    }
}
