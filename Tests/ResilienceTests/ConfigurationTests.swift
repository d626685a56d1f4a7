import JSONCore
import MCPClient
import MCPWire
import Switchboard
import SwitchboardConfiguration
import TestSupport
import Testing

@Suite("Interceptor configuration")
struct InterceptorConfigurationTests {
    func make(_ text: String) throws -> [any RequestInterceptor] {
        guard case .array(let items) = try JSONValue(parsing: text) else { throw ConfigError(file: "test.json", message: "not an array") }
        return try InterceptorRegistry.standard.make(items, file: "test.json")
    }

    @Test("built-ins are made by name, in order, with their options")
    func builtIns() throws {
        let chain = try make(
            #"["metrics", {"name": "cache", "maxEntries": 5, "defaultTTLSeconds": 1.5}, {"name": "retry", "maxAttempts": 4}, "breaker", "deadline"]"#
        )
        #expect(chain.map(\.name) == ["metrics", "cache", "retry", "breaker", "deadline"])
        let cache = try #require(chain[1] as? CacheInterceptor)
        #expect(cache.configuration.maximumEntries == 5)
        #expect(cache.configuration.defaultTTL == .milliseconds(1500))
        #expect((chain[2] as? RetryInterceptor)?.configuration.maximumAttempts == 4)
    }

    @Test(
        "mistakes are reported with a suggestion, naming the interceptor and the file",
        arguments: [
            (#"[{"name": "cahce"}]"#, #"unknown interceptor "cahce"; did you mean "cache"?"#),
            (#"[{"name": "cache", "maxEntrys": 5}]"#, #"unknown option "maxEntrys"; did you mean "maxEntries"?"#),
            (#"[{"name": "retry", "maxAttempts": "three"}]"#, #""maxAttempts" must be a whole number, not string"#),
            (#"[{"name": "rate-limit"}]"#, #""rate" (calls per second) is required"#),
            (#"[{"name": "pinning", "mode": "loud"}]"#, #""mode" must be "block" or "warn""#),
            (#"[42]"#, #"interceptors[0] must be a name or an object with "name""#),
            (#"[{"name": "cache", "maxEntries": 0}]"#, #""maxEntries" must be at least 1, not 0"#),
            (#"[{"name": "breaker", "failureRate": 1.5}]"#, #""failureRate" must be between 0.01 and 1.0, not 1.5"#),
            (#"[{"name": "breaker", "minimumCalls": 80, "windowSize": 20}]"#, #""minimumCalls" (80) cannot exceed "windowSize" (20)"#),
            (#"[{"name": "deadline", "maxSeconds": 1e300}]"#, #""maxSeconds" must be between 0.0 and 31536000.0"#),
        ]
    )
    func mistakes(text: String, message: String) throws {
        #expect {
            try make(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == "test.json" && error.message.contains(message)
        }
    }

    @Test("a program can register its own interceptor and name it in configuration")
    func custom() throws {
        struct Stamp: RequestInterceptor {
            let name = "stamp"
            func intercept(_ request: InterceptedRequest, context: InterceptorContext, next: InterceptorNext) async throws(MCPError) -> JSONObject {
                var request = request
                var meta = request.params.object("_meta") ?? [:]
                meta["com.example/stamp"] = "yes"
                request.params["_meta"] = .object(meta)
                return try await next(request, context)
            }
        }
        let registry = InterceptorRegistry()
        registry.register("stamp") { _ throws(ConfigError) in Stamp() }
        let chain = try registry.make(["stamp"], file: "test")
        #expect(chain.first?.name == "stamp")
    }

    @Test("configuration files carry chains at the top and per server")
    func configurationFile() throws {
        let text = #"""
            {"mcpServers": {
               "a": {"command": "x", "switchboard": {"interceptors": ["metrics"], "trustAnnotations": true}},
               "b": {"url": "http://127.0.0.1:1/mcp"}},
             "switchboard": {"interceptors": ["metrics", "retry"]}}
            """#
        let file = try ConfigurationLoader(environment: [:]).parse(text, file: "mcp.json")
        #expect(file.defaults.interceptors == ["metrics", "retry"])
        #expect(file.servers[0].settings.interceptors == ["metrics"])
        #expect(file.servers[0].settings.trustAnnotations == true)
        #expect(file.effectiveSettings(of: file.servers[1]).interceptors == ["metrics", "retry"])
    }
}

@Suite("Limits, tracing and the trace timeline", .serialized)
struct LimitsAndTracingTests {
    @Test("a rate limit spaces calls, or refuses them when told not to wait")
    func rateLimit() async throws {
        let server = try await ChaosServer.start(interceptors: [RateLimitInterceptor(rate: 20, burst: 1, perTool: true, waits: true)])
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<6 { _ = try await server.session.callTool("lookup", arguments: ["key": "k"]) }
        // 1 immediately, then 5 more at 20 a second: at least 250 ms.
        #expect(clock.now - start >= .milliseconds(240))
        await server.stop()

        let strict = try await ChaosServer.start(interceptors: [RateLimitInterceptor(rate: 1, burst: 1, waits: false)])
        await #expect {
            for _ in 0..<3 { _ = try await strict.session.callTool("lookup", arguments: ["key": "k"]) }
        } throws: { error in
            guard let error = error as? MCPError else { return false }
            return error.code == .rateLimited && error.retryAfter != nil
        }
        await strict.stop()
    }

    @Test("a concurrency limit keeps at most N calls in flight; excess waiters fail fast")
    func concurrencyLimit() async throws {
        let server = try await ChaosServer.start(interceptors: [ConcurrencyLimitInterceptor(maximumInFlight: 2, maximumWaiting: 3)])
        try await server.chaos("ok", delayMilliseconds: 200)
        let outcomes = await withTaskGroup(of: MCPError.Code?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await server.session.callTool("lookup", arguments: ["key": "k"])
                        return nil
                    } catch let error as MCPError { return error.code } catch { return .protocolError }
                }
            }
            var codes: [MCPError.Code?] = []
            for await code in group { codes.append(code) }
            return codes
        }
        // 2 in flight + 3 waiting succeed; the other 3 are refused at once.
        #expect(outcomes.filter { $0 == nil }.count == 5)
        #expect(outcomes.filter { $0 == MCPError.Code.overloaded }.count == 3)
        await server.stop()
    }

    @Test("the trace timeline lists each interceptor's step in order")
    func timeline() async throws {
        let server = try await ChaosServer.start(interceptors: [MetricsInterceptor(), CacheInterceptor(), RetryInterceptor(), DeadlineInterceptor()])
        let timeline = CallTimeline()
        _ = try await server.session.callTool("lookup", arguments: ["key": "k"], options: RequestOptions(timeline: timeline))
        let steps = timeline.entries.map(\.interceptor)
        #expect(steps == ["cache", "deadline", "server", "server", "metrics"])
        #expect(timeline.entries.first?.text == "miss")
        let again = CallTimeline()
        _ = try await server.session.callTool("lookup", arguments: ["key": "k"], options: RequestOptions(timeline: again))
        #expect(again.entries.map(\.text).first == "hit")
        #expect(!again.entries.contains { $0.interceptor == "server" })
        await server.stop()
    }
}
