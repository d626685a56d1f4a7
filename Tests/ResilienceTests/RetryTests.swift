import JSONCore
import MCPClient
import MCPWire
import Switchboard
import TestSupport
import Testing

@Suite("Retries: only what is safe to repeat, within a budget", .serialized)
struct RetryTests {
    @Test("a destructive tool is not retried when the server dies after receiving it: executed exactly once")
    func destructiveNotRetried() async throws {
        let server = try await ChaosServer.start(interceptors: [RetryInterceptor(configuration: .init(maximumAttempts: 4))])
        try await server.chaos("crash", count: 1)
        await #expect {
            try await server.session.callTool("write_record", arguments: ["key": "k", "value": "v"])
        } throws: { ($0 as? MCPError)?.code == .transportClosed }
        // The server restarted for the next call; across all attempts the write ran once.
        #expect(try await server.session.callTool("executions").structuredContent?["write_record"] == .int(1))
        #expect(server.count("write_record") == 1)
        await server.stop()
    }

    @Test("an idempotent tool under the same fault succeeds after a retry")
    func idempotentRetried() async throws {
        let retry = RetryInterceptor(configuration: .init(maximumAttempts: 4))
        let server = try await ChaosServer.start(interceptors: [retry])
        try await server.chaos("crash", count: 1)
        let result = try await server.session.callTool("lookup", arguments: ["key": "k"])
        #expect(result.text == "value of k")
        #expect(server.count("lookup") == 2, "the crashed attempt and the retry")
        #expect(retry.retryCount == 1)
        await server.stop()
    }

    @Test("untrusted annotations make even an idempotent tool unsafe to retry")
    func untrustedNotRetried() async throws {
        let server = try await ChaosServer.start(interceptors: [RetryInterceptor(configuration: .init(maximumAttempts: 4))], trustAnnotations: false)
        try await server.chaos("crash", count: 1)
        await #expect { try await server.session.callTool("lookup", arguments: ["key": "k"]) } throws: {
            ($0 as? MCPError)?.code == .transportClosed
        }
        #expect(server.count("lookup") == 1)
        await server.stop()
    }

    @Test("under 100% failure, retries stay within the budget")
    func budget() async throws {
        // Over HTTP the injected failure is a 503, which is transient and so retryable.
        let retry = RetryInterceptor(
            configuration: .init(maximumAttempts: 5, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(2), budgetRatio: 0.1, budgetMinimumPerSecond: 1))
        let server = try await ChaosServer.start(link: .http, interceptors: [retry])
        try await server.chaos("error")
        let clock = ContinuousClock()
        let start = clock.now
        let calls = 200
        var failures = 0
        for _ in 0..<calls {
            do { _ = try await server.session.callTool("lookup", arguments: ["key": "k"]) } catch { failures += 1 }
        }
        let seconds = Int((clock.now - start).components.seconds) + 1
        #expect(failures == calls)
        // Every call once, plus at most 10% of calls and one a second.
        let allowed = calls + calls / 10 + seconds + 1
        #expect(server.count("lookup") <= allowed, "\(server.count("lookup")) requests reached the server; budget \(allowed)")
        #expect(retry.retryCount >= calls / 10 - 1)
        await server.stop()
    }
}
