import Benchmark
import DemoServer
import Foundation
import JSONCore
import MCPClient
import MCPConnect
import MCPServer
import MCPTesting
import MCPTransport
import MCPWire
import Switchboard
import SwitchboardConfiguration
import SwitchboardHub

/// tools/call round trips through the full client (argument validation, envelope, transport,
/// correlation, result check) against the C stub servers of `../shared/bench`, which cost
/// almost nothing, so what is measured is the client. Also in memory against the demo
/// server, and the wire layer alone.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 200,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 20_000
    )

    let echoArguments: JSONObject = ["text": "hello"]

    Benchmark("stdio tools/call, sequential (C stub)") { benchmark, session in
        for _ in benchmark.scaledIterations {
            blackHole(try await session.callTool("echo", arguments: echoArguments))
        }
    } setup: {
        try await Stubs.stdioSession()
    } teardown: {
        await Cleanup.shared.run()
    }

    Benchmark("stdio tools/call, sequential, on the connection's thread (C stub)") { benchmark, session in
        // As `switchboard bench` runs: the caller prefers the reader thread's executor.
        await withTaskExecutorPreference(session.transport.preferredTaskExecutor) {
            for _ in benchmark.scaledIterations {
                blackHole(try? await session.callTool("echo", arguments: echoArguments))
            }
        }
    } setup: {
        try await Stubs.stdioSession()
    } teardown: {
        await Cleanup.shared.run()
    }

    // The interceptor overhead: the default chain (metrics, cache, coalescing, retry, breaker,
    // deadline) on a call the cache cannot answer, against the same call with no chain.
    Benchmark("stdio tools/call, default chain, cache miss, on the connection's thread (C stub)") { benchmark, session in
        await withTaskExecutorPreference(session.transport.preferredTaskExecutor) {
            for _ in benchmark.scaledIterations {
                blackHole(try? await session.callTool("echo", arguments: echoArguments))
            }
        }
    } setup: {
        try await Stubs.stdioSession(interceptors: try InterceptorRegistry.standard.make(InterceptorRegistry.defaultChain, file: "benchmark"))
    } teardown: {
        await Cleanup.shared.run()
    }

    // The chain alone: the default interceptors around a step that answers at once, so
    // what is timed is what the chain adds to any call (a tools/call the cache may not answer).
    Benchmark("default chain around an immediate answer (chain cost alone)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let chain = InterceptorChain(try InterceptorRegistry.standard.make(InterceptorRegistry.defaultChain, file: "benchmark")) {
            _,
            _ throws(MCPError) in ["content": [["type": "text", "text": "hello"]]]
        }
        let request = InterceptedRequest(
            method: Method.toolsCall,
            params: ["name": "echo", "arguments": ["text": "hello"]],
            options: .default
        )
        let tool = Tool(name: "echo", inputSchema: ["type": "object"], annotations: ToolAnnotations(readOnlyHint: true, idempotentHint: true))
        for _ in benchmark.scaledIterations {
            let context = InterceptorContext(
                server: "bench",
                method: Method.toolsCall,
                toolName: "echo",
                tool: tool,
                deadline: .now + .seconds(60),
                authorizationContext: "session-1"
            )
            blackHole(try? await chain.run(request, context))
        }
    }

    Benchmark("cache hit (tools/call through the default chain, in memory)", configuration: .init(scalingFactor: .kilo)) {
        (benchmark: Benchmark, session: ClientSession) in
        let params: JSONObject = ["name": "lookup", "arguments": ["key": "k"]]
        for _ in benchmark.scaledIterations {
            blackHole(try? await session.request(Method.toolsCall, params: params))
        }
    } setup: {
        let session: ClientSession = try await Stubs.inMemorySession(
            interceptors: try InterceptorRegistry.standard.make(InterceptorRegistry.defaultChain, file: "benchmark"),
            chaos: true
        )
        _ = try await session.allTools()
        _ = try await session.request(Method.toolsCall, params: ["name": "lookup", "arguments": ["key": "k"]])
        return session
    } teardown: {
        await Cleanup.shared.run()
    }

    Benchmark("HTTP tools/call, sequential, on the event loop (C stub)") { benchmark, stub in
        await withTaskExecutorPreference(stub.session.transport.preferredTaskExecutor) {
            for _ in benchmark.scaledIterations {
                blackHole(try? await stub.session.callTool("echo", arguments: echoArguments))
            }
        }
    } setup: {
        try await Stubs.httpSession()
    } teardown: {
        await Cleanup.shared.run()
    }

    // Throughput at 64 in flight, as `switchboard bench -c 64` drives it (the callers prefer
    // the connection's thread): over stdio to the C stub and in memory to the demo server,
    // each with no interceptors and with the default chain (the chain's cost is the gap).
    // One iteration is 64 calls issued together; throughput x 64 is calls per second.
    let inFlight = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions], maxIterations: 2_000)
    for (label, chain) in [("no interceptors", false), ("default chain", true)] {
        Benchmark("stdio tools/call, 64 in flight, \(label) (C stub)", configuration: inFlight) { benchmark, session in
            try await Stubs.sixtyFourInFlight(session, iterations: benchmark.scaledIterations, arguments: echoArguments)
        } setup: {
            try await Stubs.stdioSession(interceptors: chain ? try Stubs.defaultChain() : [])
        } teardown: {
            await Cleanup.shared.run()
        }

        Benchmark("in-memory tools/call, 64 in flight, \(label) (demo server)", configuration: inFlight) { benchmark, session in
            try await Stubs.sixtyFourInFlight(session, iterations: benchmark.scaledIterations, arguments: echoArguments)
        } setup: {
            // echo is read-only by its annotations, but they are not trusted here: no caching.
            try await Stubs.inMemorySession(interceptors: chain ? try Stubs.defaultChain() : [], trusted: false)
        } teardown: {
            await Cleanup.shared.run()
        }
    }

    Benchmark("HTTP tools/call, sequential (C stub)") { benchmark, stub in
        for _ in benchmark.scaledIterations {
            blackHole(try await stub.session.callTool("echo", arguments: echoArguments))
        }
    } setup: {
        try await Stubs.httpSession()
    } teardown: {
        await Cleanup.shared.run()
    }

    Benchmark("in-memory tools/call (demo server)") { benchmark, session in
        for _ in benchmark.scaledIterations {
            blackHole(try await session.callTool("echo", arguments: echoArguments))
        }
    } setup: {
        try await Stubs.inMemorySession()
    } teardown: {
        await Cleanup.shared.run()
    }

    Benchmark("in-memory tools/call, default chain, cache miss (demo server)") { (benchmark: Benchmark, session: ClientSession) in
        for _ in benchmark.scaledIterations {
            blackHole(try? await session.callTool("echo", arguments: echoArguments))
        }
    } setup: {
        // echo is read-only by its annotations, but they are not trusted here: no caching.
        let session: ClientSession = try await Stubs.inMemorySession(
            interceptors: try InterceptorRegistry.standard.make(InterceptorRegistry.defaultChain, file: "benchmark"),
            trusted: false
        )
        return session
    } teardown: {
        await Cleanup.shared.run()
    }

    // The hub's routing: the same in-memory call as above, by qualified name through a hub
    // (name lookup, replica choice, latency and load accounting).
    Benchmark("in-memory tools/call through the hub (demo server)") { benchmark, hub in
        for _ in benchmark.scaledIterations {
            blackHole(try await hub.callTool("demo__echo", arguments: echoArguments))
        }
    } setup: {
        try await Stubs.hub(delays: [0], balancing: .powerOfTwoChoices)
    } teardown: {
        await Cleanup.shared.run()
    }

    // The same over stdio against the C stub: the hub's cost next to a real round trip.
    Benchmark("stdio tools/call through the hub (C stub)") { (benchmark: Benchmark, hub: Hub) in
        for _ in benchmark.scaledIterations {
            blackHole(try await hub.callTool("stub__echo", arguments: echoArguments))
        }
    } setup: {
        let endpoint = Endpoint.stdio(ProcessConfiguration(command: try Stubs.build("mcp_stub_server")))
        let configuration = SwitchboardConfiguration(file: "benchmark", servers: [ServerDefinition(name: "stub", endpoints: [endpoint])])
        let hub = Hub(configuration: configuration, connector: StdioConnector()) { _, _ in ClientConfiguration() }
        await hub.start(maintain: false)
        await Cleanup.shared.add { await hub.close() }
        return hub
    } teardown: {
        await Cleanup.shared.run()
    }

    // Three replicas, one answering 5 ms late: what the balancing does to the tail.
    for balancing in [ServerSettings.Balancing.roundRobin, .powerOfTwoChoices] {
        Benchmark("hub, 3 replicas, one 5 ms slow, \(balancing.rawValue) (demo server in memory)") { benchmark, hub in
            for _ in benchmark.scaledIterations {
                blackHole(try await hub.callTool("demo__lookup", arguments: ["key": "k"], options: RequestOptions(bypassCache: true)))
            }
        } setup: {
            try await Stubs.hub(delays: [0, 0, 5], balancing: balancing)
        } teardown: {
            await Cleanup.shared.run()
        }
    }

    let response = Array(
        #"{"jsonrpc":"2.0","id":42,"result":{"resultType":"complete","content":[{"type":"text","text":"hello"}],"isError":false}}"#.utf8
    )
    Benchmark("decode a tools/call response", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            let message = try JSONRPCMessage.decodeFrame(response)
            if case .response(let r) = message[0] { blackHole(try CallToolResult(json: r.result)) }
        }
    }

    let request = JSONRPCMessage.request(
        JSONRPCRequest(id: 42, method: Method.toolsCall, params: CallToolParams(name: "echo", arguments: echoArguments).json)
    )
    Benchmark("encode a tools/call request", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        for _ in benchmark.scaledIterations {
            bytes.removeAll(keepingCapacity: true)
            request.encode(into: &bytes)
            blackHole(bytes)
        }
    }
}

/// The stub servers, built on first use from `../shared/bench` into `.build-bench/`.
enum Stubs {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures =
        ProcessInfo.processInfo.environment["SWITCHBOARD_BENCH_DIR"]
        ?? root.deletingLastPathComponent().appendingPathComponent("shared/bench").path
    static let output = root.appendingPathComponent(".build-bench").path

    static func build(_ name: String) throws -> String {
        let binary = output + "/" + name
        if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-O2", "-o", binary, fixtures + "/" + name + ".c"]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else { throw StubError(description: "cc failed for \(name).c in \(fixtures)") }
        return binary
    }

    /// The default interceptor chain, as a session of the command line gets it.
    static func defaultChain() throws -> [any RequestInterceptor] {
        try InterceptorRegistry.standard.make(InterceptorRegistry.defaultChain, file: "benchmark")
    }

    /// `iterations` rounds of 64 calls issued together, on the connection's thread when it has one.
    static func sixtyFourInFlight(_ session: ClientSession, iterations: Range<Int>, arguments: JSONObject) async throws {
        try await withTaskExecutorPreference(session.transport.preferredTaskExecutor) {
            for _ in iterations {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<64 { group.addTask { blackHole(try await session.callTool("echo", arguments: arguments)) } }
                    try await group.waitForAll()
                }
            }
        }
    }

    static func stdioSession(interceptors: [any RequestInterceptor] = []) async throws -> ClientSession {
        let session = try await ClientSession.connect(
            to: .stdio(ProcessConfiguration(command: try build("mcp_stub_server"))),
            configuration: ClientConfiguration(interceptors: interceptors)
        )
        _ = try await session.allTools()
        await Cleanup.shared.add { await session.close() }
        return session
    }

    struct HTTPStub: Sendable {
        var session: ClientSession
        var serverPID: pid_t
    }

    static func httpSession() async throws -> HTTPStub {
        let binary = try build("mcp_http_stub_server")
        let port = Int.random(in: 20_000...40_000)
        var pid: pid_t = 0
        let arguments = [binary, String(port)]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        guard posix_spawn(&pid, binary, nil, nil, &argv, environ) == 0 else {
            throw StubError(description: "could not start \(binary)")
        }
        // The stub binds at once; give it a moment before the first connection.
        try await Task.sleep(for: .milliseconds(200))
        let serverPID = pid
        await Cleanup.shared.add { kill(serverPID, SIGKILL) }
        let session = try await ClientSession.connect(to: .http(url: "http://127.0.0.1:\(port)/mcp"))
        _ = try await session.allTools()
        await Cleanup.shared.add { await session.close() }
        return HTTPStub(session: session, serverPID: pid)
    }

    static func inMemorySession(interceptors: [any RequestInterceptor] = [], chaos: Bool = false, trusted: Bool = true) async throws -> ClientSession
    {
        let (client, server) = InMemoryTransport.makePair(encodesMessages: true)
        let serverSession = ServerSession(server: DemoServer.make(chaos: chaos ? ChaosOptions() : nil), transport: server)
        Task { try await serverSession.run() }
        let session = try await ClientSession.connect(
            transport: client,
            configuration: ClientConfiguration(interceptors: interceptors, trustToolAnnotations: trusted)
        )
        _ = try await session.allTools()
        await Cleanup.shared.add { await session.close() }
        return session
    }

    /// A hub over one server "demo" with a replica per entry of `delays` (milliseconds its
    /// chaos tools wait), each an in-memory demo server.
    static func hub(delays: [Int], balancing: ServerSettings.Balancing) async throws -> Hub {
        let endpoints = delays.map { Endpoint.stdio(ProcessConfiguration(command: "in-memory", arguments: [String($0)])) }
        let settings = ServerSettings(trustAnnotations: true, balancing: balancing, health: HealthSettings(intervalSeconds: 0))
        let configuration = SwitchboardConfiguration(
            file: "benchmark",
            servers: [ServerDefinition(name: "demo", endpoints: endpoints, settings: settings)]
        )
        let hub = Hub(configuration: configuration, connector: InMemoryConnector()) { _, _ in ClientConfiguration(trustToolAnnotations: true) }
        await hub.start(maintain: false)
        await Cleanup.shared.add { await hub.close() }
        return hub
    }

    /// Connects each endpoint to a fresh in-memory demo server; the endpoint's one argument is
    /// the delay of its chaos tools, in milliseconds.
    struct InMemoryConnector: EndpointConnector {
        func connect(_ endpoint: Endpoint, options: ConnectionOptions, configuration: ClientConfiguration) async throws(MCPError) -> ClientSession {
            guard case .stdio(let process) = endpoint, let delay = process.arguments.first.flatMap(Int.init) else {
                throw MCPError(.connectionFailed, "not an in-memory endpoint")
            }
            let (client, server) = InMemoryTransport.makePair(encodesMessages: true)
            let serverSession = ServerSession(server: DemoServer.make(chaos: ChaosOptions(delay: .milliseconds(Int64(delay)))), transport: server)
            Task { try await serverSession.run() }
            return try await ClientSession.connect(transport: client, configuration: configuration)
        }
    }

    struct StubError: Error, CustomStringConvertible { var description: String }
}

/// What a benchmark's setup started, stopped by its teardown (which gets no arguments).
actor Cleanup {
    static let shared = Cleanup()
    private var steps: [@Sendable () async -> Void] = []

    func add(_ step: @escaping @Sendable () async -> Void) { steps.append(step) }

    func run() async {
        let current = steps.reversed()
        steps.removeAll()
        for step in current { await step() }
    }
}
