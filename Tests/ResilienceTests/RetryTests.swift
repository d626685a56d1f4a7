import JSONCore
import MCPClient
import MCPWire
import Switchboard
import Synchronization
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
            configuration: .init(
                maximumAttempts: 5,
                initialBackoff: .milliseconds(1),
                maximumBackoff: .milliseconds(2),
                budgetRatio: 0.1,
                budgetMinimumPerSecond: 1
            )
        )
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
        // Every call once, plus at most 10% of calls, one a second, and one call's own retries
        // (the budget's burst, which starts full).
        let allowed = calls + calls / 10 + seconds + 4
        #expect(server.count("lookup") <= allowed, "\(server.count("lookup")) requests reached the server; budget \(allowed)")
        #expect(retry.retryCount >= calls / 10 - 1)
        await server.stop()
    }

    @Test("an attempt that hangs times out on its own deadline and is retried within the call's")
    func hungAttemptRetried() async throws {
        let retry = RetryInterceptor(configuration: .init(maximumAttempts: 3, initialBackoff: .milliseconds(1)))
        let server = try await ChaosServer.start(interceptors: [retry, DeadlineInterceptor(perAttempt: .milliseconds(300))])
        try await server.chaos("hang", count: 1)
        let timeline = CallTimeline()
        let result = try await server.session.callTool(
            "lookup",
            arguments: ["key": "k"],
            options: RequestOptions(timeout: .seconds(10), timeline: timeline)
        )
        #expect(result.text == "value of k")
        #expect(server.count("lookup") == 2)
        #expect(timeline.entries.contains { $0.interceptor == "deadline" && $0.text == "300 ms for attempt 2" })
        await server.stop()
    }

    @Test("a timeout after the server began answering (progress arrived) is not retried")
    func startedAnswerNotRetried() async throws {
        let retry = RetryInterceptor(configuration: .init(maximumAttempts: 3, initialBackoff: .milliseconds(1)))
        let server = try await ChaosServer.start(interceptors: [retry, DeadlineInterceptor(perAttempt: .milliseconds(400))])
        let progress = Counter()
        await #expect {
            try await server.session.callTool(
                "sleep",
                arguments: ["ms": 3000, "steps": 30],
                options: RequestOptions(timeout: .seconds(10), onProgress: { _ in progress.increment() })
            )
        } throws: { error in
            guard let error = error as? MCPError else { return false }
            return error.code == .timeout && error.answerStarted
        }
        #expect(progress.value > 0)
        #expect(retry.retryCount == 0)
        await server.stop()
    }
}

/// A thread-safe count, for callbacks.
final class Counter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}
