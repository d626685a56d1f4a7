import MCPAuth
import MCPAuthHTTP
import TestSupport
import Testing

/// The SSRF rules as the flow's HTTP client applies them: names are resolved by the system
/// resolver and judged by the addresses they resolve to, before anything is sent.
@Suite("Discovery requests refused by where they would go")
struct FetchGuardTests {
    @Test(
        "names that resolve to reserved addresses are refused before any request, however the address is written",
        arguments: [
            ("https://0x7f000001/.well-known/oauth-authorization-server", "127.0.0.1, a loopback address"),
            ("https://2130706433/token", "127.0.0.1, a loopback address"),
            ("https://0177.0.0.1/register", "127.0.0.1, a loopback address"),
            ("https://127.1/", "127.0.0.1, a loopback address"),
            ("https://0xa9fea9fe/latest/meta-data/", "169.254.169.254, a link-local address"),
            ("https://10.1/", "10.0.0.1, a private address"),
            ("https://0300.0250.1.1/", "192.168.1.1, a private address"),
        ]
    )
    func refusedByResolution(url: String, expected: String) async throws {
        let http = AuthorizationHTTPClient()
        let error = await #expect(throws: AuthError.self) { try await http.get(url) }
        await http.shutdown()
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains("goes to \(expected)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("allowPrivateNetworks") == true)
    }
}

extension AuthorizationOverHTTP {
    @Suite("Discovery by name on this machine")
    struct LoopbackNameTests {
        @Test("a URL naming this machine (localhost) is resolved, found to be this machine, and fetched")
        func localhost() async throws {
            try await AuthFixture.with { fixture in
                let http = AuthorizationHTTPClient()
                let port = fixture.peer.port
                let answer: AuthorizationHTTPClient.Answer
                do { answer = try await http.get("http://localhost:\(port)/.well-known/oauth-protected-resource/mcp") } catch {
                    await http.shutdown()
                    throw error
                }
                await http.shutdown()
                #expect(answer.status == 200)
                #expect(String(decoding: answer.body, as: UTF8.self).contains("authorization_servers"))
            }
        }
    }
}
