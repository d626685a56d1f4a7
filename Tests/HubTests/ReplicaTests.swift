import Foundation
import JSONCore
import MCPClient
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Replicas of the demo server's chaos mode, each counting its executions in its own file.
struct ReplicaFixture {
    let folder: String

    func countFile(_ replica: Int) -> String { folder + "/replica-\(replica).log" }

    /// How many times replica `replica` ran `lookup` (its processes append, so restarts add up).
    func lookups(_ replica: Int) -> Int {
        ((try? String(contentsOfFile: countFile(replica), encoding: .utf8)) ?? "").split(separator: "\n").filter { $0 == "lookup" }.count
    }

    /// A configuration with one server of `delays.count` stdio replicas.
    func configuration(delays: [Int], settings: String) -> String {
        let replicas = delays.enumerated().map { index, delay in
            #"{"args": ["demo-server", "--chaos", "--count-file", "\#(countFile(index))", "--delay-ms", "\#(delay)"]}"#
        }
        return """
            {"mcpServers": {"pool": {"command": "\(Peers.switchboard)",
              "switchboard": {"trustAnnotations": true, "replicas": [\(replicas.joined(separator: ", "))], \(settings)}}}}
            """
    }

    /// Kills (SIGKILL) the process whose command line mentions replica `replica`'s count file.
    func kill(_ replica: Int) throws {
        let marker = countFile(replica)
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if words.contains(marker) && words.contains("demo-server") { Glibc.kill(pid, SIGKILL) }
        }
    }
}

/// Runs `total` lookups with `concurrency` in flight; `midway` runs once, after `midwayAt` completed.
func runLookups(
    _ hub: Hub,
    total: Int,
    concurrency: Int,
    midwayAt: Int = -1,
    midway: @Sendable () throws -> Void = {}
) async throws -> (failures: [String], count: Int) {
    try await withThrowingTaskGroup(of: String?.self) { group in
        var started = 0, finished = 0
        var failures: [String] = []
        func launch() {
            let key = "k\(started % 50)"
            group.addTask {
                do {
                    _ = try await hub.callTool("pool__lookup", arguments: ["key": .string(key)], options: RequestOptions(bypassCache: true))
                    return nil
                } catch { return "\(error)" }
            }
            started += 1
        }
        while started < min(concurrency, total) { launch() }
        while let outcome = try await group.next() {
            finished += 1
            if let outcome { failures.append(outcome) }
            if finished == midwayAt { try midway() }
            if started < total { launch() }
        }
        return (failures, finished)
    }
}

@Suite("Hub: replicas, balancing and failover (real processes)", .serialized)
struct ReplicaTests {
    @Test(
        "failover: 3 replicas, 1,000 idempotent calls with 32 in flight, one replica killed midway: no failure reaches the caller, and the killed one is restarted"
    )
    func failover() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            let fixture = ReplicaFixture(folder: folder)
            let text = fixture.configuration(
                delays: [1, 1, 1],
                settings: #""health": {"intervalSeconds": 0.2, "ejectAfterFailures": 1, "cooldownSeconds": 0.5}"#
            )
            try await withHub(text, maintain: true) { hub async throws in
                #expect(hub.status(of: "pool")?.healthyEndpoints == 3)
                let killedAt = Mutex(0)
                let outcome = try await runLookups(hub, total: 1000, concurrency: 32, midwayAt: 300) {
                    killedAt.withLock { $0 = fixture.lookups(1) }
                    try fixture.kill(1)
                }
                #expect(outcome.failures.isEmpty, "\(outcome.failures.prefix(3))")
                #expect(outcome.count == 1000)
                // The killed replica comes back (restarted on its next request) and takes calls again.
                let before = killedAt.withLock { $0 }
                var extra = 0
                while fixture.lookups(1) <= before, extra < 400 {
                    _ = try await hub.callTool("pool__lookup", arguments: ["key": "again"], options: RequestOptions(bypassCache: true))
                    extra += 1
                    if extra % 50 == 0 { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(fixture.lookups(1) > before, "replica 1 never ran a lookup after it was killed")
                let replicas = try #require(hub.status(of: "pool")?.replicas)
                #expect(replicas[1].failures >= 1)
                #expect(replicas.map(\.calls).reduce(0, +) >= 1000)
            }
        }
    }

    @Test("balancing: with one replica slow, p2c (EWMA-weighted) sends it clearly fewer calls than round-robin")
    func balancing() async throws {
        try Peers.require(Peers.switchboard)
        var shares: [ServerSettings.Balancing: Double] = [:]
        for balancing in [ServerSettings.Balancing.roundRobin, .powerOfTwoChoices, .leastOutstanding] {
            try await withTemporaryFolder(files: [:]) { folder in
                let fixture = ReplicaFixture(folder: folder)
                let text = fixture.configuration(delays: [0, 0, 25], settings: #""balancing": "\#(balancing.rawValue)""#)
                try await withHub(text) { hub async throws in
                    let outcome = try await runLookups(hub, total: 600, concurrency: 8)
                    #expect(outcome.failures.isEmpty)
                }
                let counts = (0..<3).map(fixture.lookups)
                #expect(counts.reduce(0, +) == 600, "\(balancing): \(counts)")
                shares[balancing] = Double(counts[2]) / 600
            }
        }
        let roundRobin = try #require(shares[.roundRobin]), p2c = try #require(shares[.powerOfTwoChoices])
        let leastOutstanding = try #require(shares[.leastOutstanding])
        // Round-robin ignores speed: a third each. p2c and least-outstanding steer around the slow one.
        #expect(abs(roundRobin - 1.0 / 3) < 0.02, "round-robin share of the slow replica: \(roundRobin)")
        #expect(p2c < roundRobin / 2, "p2c share \(p2c) vs round-robin \(roundRobin)")
        #expect(leastOutstanding < roundRobin, "least-outstanding share \(leastOutstanding) vs round-robin \(roundRobin)")
    }

    @Test("failover shares the caller's deadline: a safe call that timed out on one replica is not sent to another with a fresh one")
    func failoverSharesDeadline() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            let fixture = ReplicaFixture(folder: folder)
            let text = fixture.configuration(delays: [3000, 3000], settings: #""balancing": "round-robin""#)
            try await withHub(text) { hub async throws in
                let before = try #require(hub.status(of: "pool")).replicas.map(\.calls).reduce(0, +)
                await #expect {
                    try await hub.callTool(
                        "pool__lookup",
                        arguments: ["key": "k"],
                        options: RequestOptions(timeout: .milliseconds(300), bypassCache: true)
                    )
                } throws: { error in
                    (error as? MCPError)?.code == .timeout
                }
                let calls = try #require(hub.status(of: "pool")).replicas.map(\.calls).reduce(0, +) - before
                #expect(calls == 1, "the call went to \(calls) replicas; its deadline had passed after the first")
            }
        }
    }

    @Test("a call that is not safe to repeat is not moved to another replica: its typed error reaches the caller")
    func noFailoverForUnsafeCalls() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            let fixture = ReplicaFixture(folder: folder)
            let text = fixture.configuration(delays: [0, 0], settings: #""balancing": "round-robin""#)
            try await withHub(text) { hub async throws in
                // Both replicas crash on their next write_record (a destructive tool).
                for _ in 0..<2 { _ = try await hub.callTool("pool__chaos", arguments: ["mode": "crash", "count": 1]) }
                await #expect { try await hub.callTool("pool__write_record", arguments: ["key": "k", "value": "v"]) } throws: { error in
                    (error as? MCPError)?.code == .transportClosed
                }
                let writes = (0..<2).map { index in
                    ((try? String(contentsOfFile: fixture.countFile(index), encoding: .utf8)) ?? "").split(separator: "\n").filter {
                        $0 == "write_record"
                    }.count
                }
                #expect(writes.reduce(0, +) == 1, "write_record ran \(writes) times; it must run once")
            }
        }
    }

    @Test("asking for a server's session is not a call: the replicas' call counts and latencies stay as they were")
    func sessionLookupLeavesBalancingAlone() async throws {
        try Peers.require(Peers.switchboard)
        try await withTemporaryFolder(files: [:]) { folder in
            let fixture = ReplicaFixture(folder: folder)
            let text = fixture.configuration(delays: [0, 0], settings: #""balancing": "p2c""#)
            try await withHub(text) { hub async throws in
                let before = try #require(hub.status(of: "pool")).replicas
                for _ in 0..<200 { _ = try hub.session(for: "pool") }
                let after = try #require(hub.status(of: "pool")).replicas
                #expect(after.map(\.calls) == before.map(\.calls), "session(for:) was counted as calls: \(after.map(\.calls))")
                #expect(after.map(\.latency) == before.map(\.latency), "session(for:) fed latencies: \(after.map(\.latency))")
                // A real call is counted, once.
                _ = try await hub.callTool("pool__lookup", arguments: ["key": "k"], options: RequestOptions(bypassCache: true))
                let counted = try #require(hub.status(of: "pool")).replicas.map(\.calls).reduce(0, +)
                #expect(counted == before.map(\.calls).reduce(0, +) + 1)
            }
        }
    }
}
