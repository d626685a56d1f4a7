import JSONCore
import MCPClient
import MCPWire
import Switchboard
import TestSupport
import Testing

@Suite("Circuit breaker against a failing server", .serialized)
struct BreakerTests {
    @Test("1,000 calls against a failing server: it opens, the server sees only the probes, and it closes after recovery")
    func opensAndRecovers() async throws {
        let policy = CircuitBreaker.Policy(
            failureRateThreshold: 0.5,
            minimumCalls: 10,
            windowSize: 20,
            consecutiveFailures: 5,
            openDuration: .milliseconds(300),
            halfOpenProbes: 1
        )
        // Per tool, so the chaos controls keep working while lookup's breaker is open.
        let breaker = CircuitBreakerInterceptor(policy: policy, perTool: true)
        let events = breaker.events()
        let server = try await ChaosServer.start(interceptors: [breaker])
        try await server.chaos("error")

        var refused = 0
        var failedAtServer = 0
        for _ in 0..<1000 {
            do {
                _ = try await server.session.callTool("lookup", arguments: ["key": "k"])
            } catch  where error.code == .circuitOpen {
                refused += 1
                #expect(error.retryAfter != nil)
            } catch {
                failedAtServer += 1
            }
        }
        #expect(breaker.state(server: "chaos", tool: "lookup") != .closed)
        // It opened after 5 consecutive failures; afterwards only half-open probes (one per
        // 300 ms open period at most) reached the server.
        let reached = server.count("lookup")
        #expect(reached == failedAtServer)
        #expect(reached >= 5)
        #expect(reached <= 5 + 20, "\(reached) calls reached the failing server")
        #expect(refused >= 1000 - 25)

        // Recovery: the server heals; after the open period a probe succeeds and it closes.
        try await server.chaos("ok")
        try await Task.sleep(for: .milliseconds(350))
        #expect(try await server.session.callTool("lookup", arguments: ["key": "k"]).text == "value of k")
        #expect(breaker.state(server: "chaos", tool: "lookup") == .closed)

        let seen = try await firstMatch(in: events, within: .seconds(1)) { event in event.state == .closed ? true : nil }
        #expect(seen)
        await server.stop()
    }
}

@Suite("Circuit breaker state machine")
struct CircuitBreakerStateTests {
    @Test("opens on the failure rate with enough calls, not before")
    func failureRate() {
        var breaker = CircuitBreaker(policy: .init(failureRateThreshold: 0.5, minimumCalls: 4, windowSize: 10, consecutiveFailures: 100))
        let now = ContinuousClock.now
        #expect(breaker.record(failure: true, probe: false, now: now) == nil)
        #expect(breaker.record(failure: false, probe: false, now: now) == nil)
        #expect(breaker.record(failure: true, probe: false, now: now) == nil)
        #expect(breaker.record(failure: false, probe: false, now: now) == .open)  // 2 of 4
        if case .reject(let after) = breaker.acquire(now: now).0 { #expect(after > .zero) } else { Issue.record("not rejected") }
    }

    @Test("half-open lets the configured probes through; success closes, failure reopens")
    func halfOpen() {
        var breaker = CircuitBreaker(policy: .init(minimumCalls: 100, consecutiveFailures: 2, openDuration: .seconds(1), halfOpenProbes: 2))
        let start = ContinuousClock.now
        _ = breaker.record(failure: true, probe: false, now: start)
        #expect(breaker.record(failure: true, probe: false, now: start) == .open)
        let later = start + .seconds(2)
        #expect(breaker.acquire(now: later) == (.probe, .halfOpen))
        #expect(breaker.acquire(now: later).0 == .probe)
        if case .reject = breaker.acquire(now: later).0 {} else { Issue.record("a third probe got through") }
        #expect(breaker.record(failure: false, probe: true, now: later) == nil)
        #expect(breaker.record(failure: false, probe: true, now: later) == .closed)
        _ = breaker.record(failure: true, probe: false, now: later)
        #expect(breaker.record(failure: true, probe: false, now: later) == .open)
        let again = later + .seconds(2)
        _ = breaker.acquire(now: again)
        #expect(breaker.record(failure: true, probe: true, now: again) == .open)
    }
}
