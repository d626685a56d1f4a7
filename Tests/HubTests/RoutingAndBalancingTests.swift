import SwitchboardConfiguration
import SwitchboardHub
import Testing

/// Routing and replica choice as values, with no processes and no sessions.
@Suite("Routing table")
struct RoutingTableTests {
    static let table = RoutingTable(
        separator: "__",
        servers: [
            (server: "github", names: ["create_issue", "search"]),
            (server: "files", names: ["read_file", "search"]),
            (server: "time", names: ["now"]),
        ]
    )

    @Test("qualified names route to their server; bare names only when one server offers them")
    func routes() {
        #expect(Self.table.route("github__create_issue") == RoutingTable.Route(server: "github", name: "create_issue"))
        #expect(Self.table.route("files__search") == RoutingTable.Route(server: "files", name: "search"))
        #expect(Self.table.route("now") == RoutingTable.Route(server: "time", name: "now"))
        #expect(Self.table.route("search") == nil, "offered twice: never resolved silently")
        #expect(Self.table.route("github__read_file") == nil)
        #expect(Self.table.route("missing") == nil)
    }

    @Test("a clash lists the qualified names in configuration order")
    func clashes() {
        #expect(Self.table.clash("search")?.map(\.description) == ["github__search", "files__search"])
        #expect(Self.table.clash("now") == nil)
        #expect(Array(Self.table.clashes.keys) == ["search"])
    }

    @Test("qualified names split at the first separator whose prefix is a server, even when a server's name holds the separator")
    func qualifiedNames() {
        let servers: Set<String> = ["my__server", "a"]
        let long = QualifiedName.parse("my__server__do_it", separator: "__") { servers.contains($0) }
        #expect(long == QualifiedName(server: "my__server", name: "do_it", separator: "__"))
        let short = QualifiedName.parse("a__b__c", separator: "__") { servers.contains($0) }
        #expect(short?.server == "a" && short?.name == "b__c")
        #expect(QualifiedName.parse("nobody__x", separator: "__") { servers.contains($0) } == nil)
        #expect(QualifiedName(server: "a", name: "b", separator: ".").description == "a.b")
    }
}

@Suite("Replica balancer")
struct ReplicaBalancerTests {
    static let health = HealthSettings(intervalSeconds: 10, timeoutSeconds: 5, ejectAfterFailures: 2, cooldownSeconds: 30)

    func balancer(_ count: Int, _ strategy: ServerSettings.Balancing, connected: [Int]? = nil) -> ReplicaBalancer {
        var balancer = ReplicaBalancer(replicas: count, strategy: strategy, health: Self.health, seed: 42)
        for index in connected ?? Array(0..<count) { balancer.connected(index) }
        return balancer
    }

    /// Picks `count` times, finishing each call at once with `latency(index)`; the picks per replica.
    func run(_ balancer: inout ReplicaBalancer, _ count: Int, latency: (Int) -> Duration = { _ in .milliseconds(1) }) -> [Int] {
        var picks = Array(repeating: 0, count: balancer.replicas.count)
        let now = ContinuousClock.now
        for _ in 0..<count {
            guard let index = balancer.pick(now: now) else { continue }
            picks[index] += 1
            balancer.finish(index, latency: latency(index), failed: false, now: now)
        }
        return picks
    }

    @Test("round-robin takes turns over the connected replicas only")
    func roundRobin() {
        var balancer = balancer(4, .roundRobin, connected: [0, 1, 3])
        #expect(run(&balancer, 300) == [100, 100, 0, 100])
    }

    @Test("p2c sends a slow replica far fewer calls than its share")
    func powerOfTwoChoices() {
        var balancer = balancer(3, .powerOfTwoChoices)
        let picks = run(&balancer, 3000) { $0 == 2 ? .milliseconds(25) : .milliseconds(1) }
        #expect(picks[2] < 300, "the slow replica took \(picks[2]) of 3000")
        #expect(picks[0] > 1000 && picks[1] > 1000)
    }

    @Test("least-outstanding picks the replica with the fewest calls in flight")
    func leastOutstanding() {
        var balancer = balancer(3, .leastOutstanding)
        let now = ContinuousClock.now
        let first = balancer.pick(now: now)!
        let second = balancer.pick(now: now)!
        let third = balancer.pick(now: now)!
        #expect(Set([first, second, third]) == [0, 1, 2], "each busy replica is passed over for an idle one")
        balancer.finish(second, latency: .milliseconds(1), failed: false, now: now)
        #expect(balancer.pick(now: now) == second)
    }

    @Test("failures in a row eject a replica for its cool-down; a healthy check brings it back")
    func ejection() {
        var balancer = balancer(2, .roundRobin)
        let now = ContinuousClock.now
        for _ in 0..<2 {
            let index = balancer.pick(excluding: 0b10, now: now)!
            #expect(index == 0)
            balancer.finish(index, latency: .milliseconds(1), failed: true, now: now)
        }
        #expect(balancer.isEjected(0, now: now))
        #expect(!balancer.isEjected(0, now: now + .seconds(31)), "the cool-down ends")
        #expect(
            (0..<10).allSatisfy { _ in
                let index = balancer.pick(now: now)!
                balancer.finish(index, latency: .milliseconds(1), failed: false, now: now)
                return index == 1
            }
        )
        balancer.checked(0, healthy: true, latency: .milliseconds(2), now: now)
        #expect(!balancer.isEjected(0, now: now))
        #expect(balancer.replicas[0].ejections == 1)
    }

    @Test("when every connected replica is ejected, one is still chosen; when none is connected, none")
    func allEjected() {
        var balancer = balancer(2, .powerOfTwoChoices)
        let now = ContinuousClock.now
        for index in 0..<2 {
            balancer.checked(index, healthy: false, latency: .zero, now: now)
            balancer.checked(index, healthy: false, latency: .zero, now: now)
        }
        #expect(balancer.isEjected(0, now: now) && balancer.isEjected(1, now: now))
        #expect(balancer.pick(now: now) != nil, "the least bad beats refusing the call")
        var empty = self.balancer(2, .roundRobin, connected: [])
        #expect(empty.pick(now: now) == nil)
    }

    @Test("excluded replicas (already tried) are never picked again for the same call")
    func exclusion() {
        var balancer = balancer(3, .powerOfTwoChoices)
        let now = ContinuousClock.now
        let first = balancer.pick(now: now)!
        let second = balancer.pick(excluding: 1 << UInt64(first), now: now)!
        let third = balancer.pick(excluding: 1 << UInt64(first) | 1 << UInt64(second), now: now)!
        #expect(Set([first, second, third]).count == 3)
        #expect(balancer.pick(excluding: 0b111, now: now) == nil)
        #expect(balancer.outstanding == 3)
    }

    @Test("a health check's answer is a latency sample; a call's failure that does not count leaves health alone")
    func latencySamples() {
        var balancer = balancer(1, .roundRobin)
        let now = ContinuousClock.now
        balancer.checked(0, healthy: true, latency: .milliseconds(10), now: now)
        #expect(abs(balancer.replicas[0].latency - 0.010) < 1e-9)
        let index = balancer.pick(now: now)!
        balancer.finish(index, latency: .milliseconds(20), failed: false, now: now)
        #expect(abs(balancer.replicas[0].latency - (0.010 + ReplicaBalancer.latencyWeight * 0.010)) < 1e-9)
        #expect(balancer.replicas[0].consecutiveFailures == 0)
    }
}
