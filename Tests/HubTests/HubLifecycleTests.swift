import Foundation
import JSONCore
import MCPClient
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub
import Synchronization
import TestSupport
import Testing

/// A value shared between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}

/// Collects a hub's events as they come.
final class EventLog: Sendable {
    let events = Locked<[HubEvent]>([])
    let task: Task<Void, Never>

    init(_ hub: Hub) {
        let stream = hub.events()
        let events = self.events
        task = Task { for await event in stream { events.withLock { $0.append(event) } } }
    }

    var kinds: [String] { events.withLock { $0.map(\.kind) } }

    /// Waits (at most `limit`) for an event `matching`.
    func wait(for limit: Duration = .seconds(20), _ matching: @escaping (HubEvent) -> Bool) async throws -> HubEvent? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if let found = events.withLock({ $0.first(where: matching) }) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

@Suite("Hub: reload, supervision and catalog refresh (real processes)", .serialized)
struct HubLifecycleTests {
    func demo(_ extra: [String] = []) -> String {
        let arguments = (["demo-server"] + extra).map { "\"\($0)\"" }.joined(separator: ", ")
        return #"{"command": "\#(Peers.switchboard)", "args": [\#(arguments)]}"#
    }

    @Test("hot reload while calls run: add, remove and change servers; no call to an untouched server fails")
    func hotReload() async throws {
        try Peers.require(Peers.switchboard)
        let before = #"{"mcpServers": {"steady": \#(demo()), "leaving": \#(demo()), "changing": \#(demo())}}"#
        let after = #"{"mcpServers": {"steady": \#(demo()), "changing": \#(demo(["--chaos"])), "joining": \#(demo())}}"#
        try await withTemporaryFolder(files: ["switchboard.json": before]) { folder in
            let file = folder + "/switchboard.json"
            try await withHub(before, maintain: true) { hub async throws in
                let log = EventLog(hub)
                let loader = ConfigurationLoader(environment: [:])
                let watcher = hub.watch(file: file, loader: loader, interval: .milliseconds(100))
                defer { watcher.cancel() }
                #expect(hub.tools.contains { $0.qualifiedName == "leaving__echo" })
                #expect(!hub.tools.contains { $0.qualifiedName == "changing__lookup" })

                let failures = Locked<[String]>([])
                let calls = Locked(0)
                let stop = Locked(false)
                let load = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for worker in 0..<8 {
                            group.addTask {
                                while !stop.withLock({ $0 }) {
                                    do {
                                        let text = "w\(worker)"
                                        let result = try await hub.callTool("steady__echo", arguments: ["text": .string(text)])
                                        if result.text != text { failures.withLock { $0.append("wrong answer \(String(describing: result.text))") } }
                                        calls.withLock { $0 += 1 }
                                    } catch {
                                        failures.withLock { $0.append("\(error)") }
                                    }
                                }
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                try after.write(toFile: file, atomically: true, encoding: .utf8)
                let reloaded = try await log.wait { $0.kind == "reloaded" }
                guard case .reloaded(let added, let removed, let changed)? = reloaded else {
                    Issue.record("no reload within the time limit: \(log.kinds)")
                    return
                }
                #expect(added == ["joining"] && removed == ["leaving"] && changed == ["changing"])
                // An invalid edit is refused, and the running configuration stays.
                try #"{"mcpServers": {"steady": {"comand": "x"}}}"#.write(toFile: file, atomically: true, encoding: .utf8)
                let rejected = try await log.wait { $0.kind == "reload_rejected" }
                #expect(rejected != nil)
                try await Task.sleep(for: .milliseconds(300))
                stop.withLock { $0 = true }
                await load.value

                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
                #expect(calls.withLock { $0 } > 50)
                #expect(try await hub.callTool("joining__echo", arguments: ["text": "hi"]).text == "hi")
                #expect(try await hub.callTool("changing__lookup", arguments: ["key": "a"]).text == "value of a")
                await #expect { try await hub.callTool("leaving__echo", arguments: ["text": "x"]) } throws: {
                    ($0 as? MCPError)?.code == .invalidArguments
                }
                #expect(hub.statuses.map(\.name) == ["steady", "changing", "joining"])
                #expect(hub.configuration.server(named: "steady") != nil)
            }
        }
    }

    @Test("a changed server whose replacement cannot connect is not swapped in: the running one keeps serving", arguments: [false, true])
    func failedReplacementKept(maintained: Bool) async throws {
        try Peers.require(Peers.switchboard)
        let before = #"{"mcpServers": {"steady": \#(demo())}}"#
        let broken = #"{"mcpServers": {"steady": {"command": "/nonexistent/switchboard-broken"}}}"#
        let configuration = try ConfigurationLoader(environment: [:]).parse(broken, file: "hub-test.json")
        try await withHub(before, maintain: maintained) { hub async throws in
            #expect(try await hub.callTool("steady__echo", arguments: ["text": "before"]).text == "before")
            let report = await hub.apply(configuration, drainTimeout: .seconds(5))
            #expect(report.changed == ["steady"])
            #expect(report.kept["steady"]?.contains("/nonexistent/switchboard-broken") == true, "\(report.kept)")
            #expect(hub.status(of: "steady")?.phase == .ready)
            #expect(try await hub.callTool("steady__echo", arguments: ["text": "after"]).text == "after")
        }
    }

    @Test("a crash loop at run time puts the server in failed with its last stderr lines, and says so as an event")
    func crashLoop() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            // Serves once; every later start dies at once, saying why on stderr.
            let script = folder + "/flaky.sh"
            try """
            #!/bin/sh
            if [ -f '\(folder)/started' ]; then echo 'flaky: cannot open database' >&2; exit 7; fi
            touch '\(folder)/started'
            exec '\(Peers.switchboard)' demo-server --chaos
            """.write(toFile: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            let text =
                #"{"mcpServers": {"flaky": {"command": "\#(script)", "switchboard": {"restart": {"maxRestarts": 2, "windowSeconds": 60, "initialBackoffSeconds": 0.01}}}}}"#
            try await withHub(text, maintain: true) { hub async throws in
                let log = EventLog(hub)
                _ = try await hub.callTool("flaky__chaos", arguments: ["mode": "crash", "count": 1])
                var lastError: MCPError?
                for _ in 0..<10 {
                    do { _ = try await hub.callTool("flaky__lookup", arguments: ["key": "k"]) } catch let error as MCPError { lastError = error }
                    if hub.status(of: "flaky")?.phase.isFailed == true { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(lastError != nil)
                let looped = try await log.wait { $0.kind == "replica_crash_loop" }
                #expect(looped != nil, "\(log.kinds)")
                let status = try #require(hub.status(of: "flaky"))
                #expect(status.phase.isFailed)
                #expect(status.replicas.first?.error?.contains("flaky: cannot open database") == true, "\(status.replicas.first?.error ?? "")")
                #expect(log.kinds.contains("replica_lost"))
            }
        }
    }

    @Test("a legacy HTTP session the server forgot (it restarted: 404) is initialized again transparently, and reported")
    func sessionExpiry() async throws {
        try Peers.require(Peers.switchboard)
        let arguments: (Int) -> [String] = { port in ["demo-server", "--http", String(port), "--versions", "2025-11-25"] }
        let first = try await HTTPPeer(Peers.switchboard, arguments: arguments)
        let text = #"{"mcpServers": {"web": {"url": "\#(first.url)"}}}"#
        try await withHub(text) { hub async throws in
            let log = EventLog(hub)
            #expect(hub.status(of: "web")?.protocolVersion == .v2025_11_25)
            #expect(try await hub.callTool("web__echo", arguments: ["text": "before"]).text == "before")
            first.stop()
            _ = await first.process.wait()
            let second = try await HTTPPeer(Peers.switchboard, port: first.port, arguments: arguments)
            defer { second.stop() }
            #expect(try await hub.callTool("web__echo", arguments: ["text": "after"]).text == "after")
            #expect(try await log.wait(for: .seconds(5)) { $0.kind == "session_reestablished" } != nil, "\(log.kinds)")
        }
    }

    @Test("a tool list change is heard and the catalog listed again")
    func listChanged() async throws {
        try Peers.require(Peers.switchboard)
        let text = #"{"mcpServers": {"demo": \#(demo(["--chaos"]))}}"#
        try await withHub(text, maintain: true) { hub async throws in
            let log = EventLog(hub)
            let before = hub.tools.first { $0.qualifiedName == "demo__lookup" }?.tool.description
            _ = try await hub.callTool("demo__mutate_lookup", arguments: ["description": "changed by the test"])
            let refreshed = try await log.wait { $0.kind == "catalog_refreshed" }
            #expect(refreshed != nil, "\(log.kinds)")
            #expect(before != "changed by the test")
            #expect(hub.tools.first { $0.qualifiedName == "demo__lookup" }?.tool.description == "changed by the test")
        }
    }

    @Test("prompts and resources across servers: qualified prompts, resources by server, reads routed by URI")
    func promptsAndResources() async throws {
        try Peers.require(Peers.switchboard)
        try Peers.require(Peers.python)
        let text = #"{"mcpServers": {"demo": \#(demo()), "py": {"command": "\#(Peers.python)", "args": ["\#(Peers.pythonFixture)"]}}}"#
        try await withHub(text) { hub async throws in
            #expect(hub.prompts.contains { $0.qualifiedName == "demo__summarize" })
            let prompt = try await hub.getPrompt("demo__summarize", arguments: ["text": "a long text"])
            #expect(!prompt.messages.isEmpty)
            let (resources, failures) = await hub.resources()
            #expect(failures.isEmpty)
            #expect(resources.contains { $0.server == "demo" && $0.resource.uri == "demo://readme" })
            let read = try await hub.readResource("demo://readme")
            #expect(read.contents.first?.text?.isEmpty == false)
            // A templated resource is not listed: the read is routed to the server that can answer it.
            let greeting = try await hub.readResource("demo://greeting/Ada")
            #expect(greeting.contents.first?.text?.contains("Ada") == true)
        }
    }
}
