import JSONCore
import MCPClient
import MCPHTTPTransport
import MCPWire
import Switchboard
import TestSupport
import Testing

@Suite("Cache and coalescing, counted at the server", .serialized)
struct CacheTests {
    @Test("a second identical read-only call does not reach the server; key order does not matter")
    func hit() async throws {
        let cache = CacheInterceptor()
        let server = try await ChaosServer.start(interceptors: [cache])
        let first = try await server.session.callTool("lookup", arguments: ["key": "a"])
        let second = try await server.session.callTool("lookup", arguments: ["key": "a"])
        #expect(first.text == second.text)
        #expect(server.count("lookup") == 1)
        #expect(cache.statistics.hits == 1)
        // A different argument is a different entry; --no-cache goes to the server.
        _ = try await server.session.callTool("lookup", arguments: ["key": "b"])
        _ = try await server.session.callTool("lookup", arguments: ["key": "a"], options: RequestOptions(bypassCache: true))
        #expect(server.count("lookup") == 3)
        // Destructive tools are never cached.
        _ = try await server.session.callTool("write_record", arguments: ["key": "x"])
        _ = try await server.session.callTool("write_record", arguments: ["key": "x"])
        #expect(server.count("write_record") == 2)
        await server.stop()
    }

    @Test("the same parameters in another member order hit the same entry")
    func canonicalKeys() async throws {
        let cache = CacheInterceptor()
        let server = try await ChaosServer.start(interceptors: [cache])
        _ = try await server.session.request(Method.resourcesRead, params: ["uri": "demo://readme", "extra": ["b": 1, "a": 2]])
        _ = try await server.session.request(Method.resourcesRead, params: ["extra": ["a": 2, "b": 1], "uri": "demo://readme"])
        #expect(server.count("method:resources/read") == 1)
        await server.stop()
    }

    @Test("list_changed invalidates the tools list; resources/updated invalidates that read")
    func invalidation() async throws {
        let cache = CacheInterceptor()
        // A cache makes the modern session listen for changes on its own.
        let server = try await ChaosServer.start(interceptors: [cache])
        _ = try await server.session.listTools()
        _ = try await server.session.listTools()
        #expect(server.count("method:tools/list") == 1)
        let notifications = server.session.notifications()
        _ = try await server.session.callTool("mutate_lookup", arguments: ["description": "changed"])
        _ = try await firstMatch(in: notifications, within: .seconds(5)) { $0 == .toolsListChanged ? true : nil }
        let relisted = try await server.session.listTools()
        #expect(server.count("method:tools/list") == 2)
        #expect(relisted.tools.first { $0.name == "lookup" }?.description == "changed")

        let before = try await server.session.readResource("demo://counter")
        #expect(before.contents.first?.text == "0")
        try await server.session.subscribe(toResource: "demo://counter")
        let updates = server.session.notifications()
        _ = try await server.session.callTool("increment")
        _ = try await firstMatch(in: updates, within: .seconds(5)) { notification -> Bool? in
            if case .resourceUpdated = notification { return true }
            return nil
        }
        #expect(try await server.session.readResource("demo://counter").contents.first?.text == "1")
        await server.stop()
    }

    @Test("after the server crashes and restarts, the listen stream is opened again and list_changed still invalidates")
    func invalidationAfterRestart() async throws {
        let server = try await ChaosServer.start(interceptors: [CacheInterceptor()])
        let events = server.session.notifications()
        try await server.chaos("crash", count: 1)
        await #expect(throws: MCPError.self) { try await server.session.callTool("lookup", arguments: ["key": "k"]) }
        // The listen stream breaks with the process; reopening it restarts the server and is acknowledged.
        _ = try await firstMatch(in: events, within: .seconds(10)) { notification -> Bool? in
            if case .subscriptionAcknowledged = notification { return true }
            return nil
        }
        _ = try await server.session.listTools()
        let listed = server.count("method:tools/list")
        _ = try await server.session.listTools()
        #expect(server.count("method:tools/list") == listed, "the second list is a cache hit")
        let changes = server.session.notifications()
        _ = try await server.session.callTool("mutate_lookup", arguments: ["description": "after restart"])
        _ = try await firstMatch(in: changes, within: .seconds(5)) { $0 == .toolsListChanged ? true : nil }
        #expect(try await server.session.listTools().tools.first { $0.name == "lookup" }?.description == "after restart")
        #expect(server.count("method:tools/list") == listed + 1)
        await server.stop()
    }

    @Test("sessions sharing a cache share public results, and private ones only with the same credentials")
    func sharedAcrossSessions() async throws {
        let cache = CacheInterceptor()
        let server = try await ChaosServer.start(link: .http, interceptors: [cache])
        let url = try #require(server.peer?.url)
        func session(_ authorization: String?) async throws -> ClientSession {
            try await ClientSession.connect(
                transport: StreamableHTTPTransport(url: url),
                configuration: ClientConfiguration(
                    serverName: "chaos",
                    interceptors: [cache],
                    trustToolAnnotations: true,
                    authorizationContext: authorization
                )
            )
        }
        // The demo server marks lists `cacheScope: public`; tool results carry no scope, so are private.
        _ = try await server.session.listTools()
        _ = try await server.session.callTool("lookup", arguments: ["key": "k"])
        let stranger = try await session(nil)
        _ = try await stranger.listTools()
        #expect(server.count("method:tools/list") == 1, "a public list is shared")
        _ = try await stranger.callTool("lookup", arguments: ["key": "k"])
        #expect(server.count("lookup") == 2, "a private result is not")
        let alice = try await session("alice")
        let aliceAgain = try await session("alice")
        _ = try await alice.callTool("lookup", arguments: ["key": "k"])
        _ = try await aliceAgain.callTool("lookup", arguments: ["key": "k"])
        #expect(server.count("lookup") == 3, "the same credentials share private results")
        for other in [stranger, alice, aliceAgain] { await other.close() }
        await server.stop()
    }

    @Test("a ttlMs of 0 disables caching for that result")
    func zeroTTL() async throws {
        let server = try await ChaosServer.start(interceptors: [CacheInterceptor()], serverArguments: ["--list-ttl-ms", "0"])
        _ = try await server.session.listTools()
        _ = try await server.session.listTools()
        #expect(server.count("method:tools/list") == 2)
        await server.stop()
    }

    @Test("100 identical concurrent reads produce 1 request at the server")
    func coalescing() async throws {
        let coalescing = CoalescingInterceptor()
        let server = try await ChaosServer.start(interceptors: [coalescing])
        try await server.chaos("ok", delayMilliseconds: 300)
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask { try await server.session.callTool("lookup", arguments: ["key": "same"]).text }
            }
            for try await text in group { #expect(text == "value of same") }
        }
        #expect(server.count("lookup") == 1)
        #expect(coalescing.coalescedCount == 99)
        await server.stop()
    }
}

@Suite("Result cache (LRU)")
struct ResultCacheTests {
    func entry(_ bytes: Int, expires: ContinuousClock.Instant = .now + .seconds(60)) -> ResultCache.Entry {
        ResultCache.Entry(value: [:], bytes: bytes, expires: expires, scope: .private, server: "s", method: "m", uri: nil)
    }

    @Test("bounded by entries and bytes, evicting the least recently used")
    func bounds() {
        var cache = ResultCache(maximumEntries: 3, maximumBytes: 100)
        cache.put("a", entry(10))
        cache.put("b", entry(10))
        cache.put("c", entry(10))
        _ = cache.get("a", now: .now)  // a is now the most recent
        cache.put("d", entry(10))  // evicts b
        #expect(cache.get("b", now: .now) == nil)
        #expect(cache.get("a", now: .now) != nil)
        cache.put("e", entry(90))  // needs 90 of 100 bytes: evicts until it fits
        #expect(cache.statistics.bytes <= 100)
        #expect(cache.get("e", now: .now) != nil)
        cache.put("huge", entry(101))
        #expect(cache.get("huge", now: .now) == nil)
        #expect(cache.statistics.evictions >= 3)
    }

    @Test("a private entry serves only its own authorization context; a public one serves all")
    func scopes() {
        var cache = ResultCache(maximumEntries: 10, maximumBytes: 1000)
        let expires = ContinuousClock.now + .seconds(60)
        cache.put(
            "mine",
            ResultCache.Entry(
                value: [:],
                bytes: 1,
                expires: expires,
                scope: .private,
                server: "s",
                method: "m",
                uri: nil,
                authorizationContext: "alice"
            )
        )
        cache.put(
            "all",
            ResultCache.Entry(
                value: [:],
                bytes: 1,
                expires: expires,
                scope: .public,
                server: "s",
                method: "m",
                uri: nil,
                authorizationContext: "alice"
            )
        )
        #expect(cache.get("mine", now: .now, authorizationContext: "alice") != nil)
        #expect(cache.get("mine", now: .now, authorizationContext: "bob") == nil)
        #expect(cache.get("all", now: .now, authorizationContext: "bob") != nil)
    }

    @Test("expired entries are misses and are dropped")
    func expiry() {
        var cache = ResultCache(maximumEntries: 10, maximumBytes: 1000)
        let now = ContinuousClock.now
        cache.put("a", entry(10, expires: now + .milliseconds(5)))
        #expect(cache.get("a", now: now) != nil)
        #expect(cache.get("a", now: now + .milliseconds(6)) == nil)
        #expect(cache.statistics.entries == 0)
    }
}
