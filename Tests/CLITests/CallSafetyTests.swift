import Foundation
import JSONCore
import TestSupport
import Testing

/// A destructive call runs at most once, whatever breaks after its request went out; a safe
/// call gets through a reset, a 503 or a dead replica. Through the built binary, against a
/// raw-socket Python server that counts what it executes (`Tests/Fixtures/python/fault_server.py`).
@Suite("switchboard call safety under HTTP faults", .serialized)
struct CallSafetyTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try Peers.require(Peers.switchboard)
        return try await ExternalProcess.run(Peers.switchboard, arguments)
    }

    /// Fault servers sharing one counter file, the executions it lists, and a configuration
    /// with one server whose replicas are those servers.
    struct Bank {
        let servers: [HTTPPeer]
        let counterFile: String
        let configuration: String

        init(replicas: Int, folder: String, settings: String = "") async throws {
            counterFile = folder + "/executions"
            _ = FileManager.default.createFile(atPath: counterFile, contents: nil)
            var servers: [HTTPPeer] = []
            for _ in 0..<replicas {
                let file = counterFile
                servers.append(
                    try await HTTPPeer(Peers.python) { port in
                        [Peers.pythonScript("fault_server.py"), "--http", String(port), "--counter-file", file]
                    }
                )
            }
            self.servers = servers
            let urls = servers.map { #"{"url": "\#($0.url)"}"# }.joined(separator: ", ")
            configuration = folder + "/bank.json"
            try #"{"mcpServers": {"bank": {"url": "\#(servers[0].url)", "switchboard": {"replicas": [\#(urls)]\#(settings)}}}}"#
                .write(toFile: configuration, atomically: true, encoding: .utf8)
        }

        /// How many times `tool` ran, on every server together.
        func executions(of tool: String) throws -> Int {
            let text = try String(contentsOfFile: counterFile, encoding: .utf8)
            return text.split(separator: "\n").filter { $0 == tool }.count
        }

        func stop() { for server in servers { server.stop() } }
    }

    @Test("a destructive call reset after it ran is not repeated by --retry: it ran once, and the error says why")
    func destructiveResetNotRetried() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let bank = try await Bank(replicas: 1, folder: folder)
            defer { bank.stop() }
            let out = try await run(["call", "transfer", "--url", bank.servers[0].url, "--retry", "3", "--trust-annotations"])
            #expect(out.status == 3, "\(out.stderr)")
            #expect(out.stderr.contains("may have been sent"), "\(out.stderr)")
            #expect(out.stderr.contains("not retried"), "\(out.stderr)")
            #expect(try bank.executions(of: "transfer") == 1)
        }
    }

    @Test("a destructive call reset after it ran does not fail over to the other replica: it ran once")
    func destructiveResetNoFailover() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let bank = try await Bank(replicas: 2, folder: folder)
            defer { bank.stop() }
            let out = try await run(["call", "bank__transfer", "--config", bank.configuration, "--retry", "3", "--trust-annotations"])
            #expect(out.status == 3, "\(out.stderr)")
            #expect(out.stderr.contains("may have been sent"), "\(out.stderr)")
            #expect(try bank.executions(of: "transfer") == 1)
        }
    }

    @Test("a tool the server's safeTools lists fails over even after it may have run: the hub follows the configured list")
    func configuredSafeToolFailsOver() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let bank = try await Bank(replicas: 2, folder: folder, settings: #", "safeTools": ["trans*"]"#)
            defer { bank.stop() }
            // No retries: only failover can send it twice. Both replicas run it and reset.
            let out = try await run(["call", "bank__transfer", "--config", bank.configuration, "--retry", "0"])
            #expect(out.status == 3, "\(out.stderr)")
            #expect(try bank.executions(of: "transfer") == 2)
        }
    }

    @Test("a read-only call reset before it ran succeeds through --retry, and runs once")
    func safeResetRetried() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let bank = try await Bank(replicas: 1, folder: folder)
            defer { bank.stop() }
            let out = try await run(["call", "balance", "--url", bank.servers[0].url, "--retry", "3", "--trust-annotations"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "balance done\n")
            #expect(try bank.executions(of: "balance") == 1)
        }
    }

    @Test("a read-only call reset before it ran succeeds through failover to another replica, with no retry")
    func safeResetFailsOver() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let bank = try await Bank(replicas: 2, folder: folder)
            defer { bank.stop() }
            // Each server resets its first balance call: whichever replica is tried first, the
            // call moves on (to the other, or back after a reset) until one answers.
            let out = try await run(["call", "bank__balance", "--config", bank.configuration, "--retry", "0", "--trust-annotations"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "balance done\n")
            #expect(try bank.executions(of: "balance") == 1)
        }
    }

    @Test("a read that fails twice with 503 and then succeeds succeeds under --retry 3")
    func readAfterTwo503s() async throws {
        try await withTemporaryFolder(files: [:]) { folder in
            let bank = try await Bank(replicas: 1, folder: folder)
            defer { bank.stop() }
            let out = try await run(["read", "flaky://data", "--url", bank.servers[0].url, "--retry", "3"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("data after 3 reads"), "\(out.stdout)")
        }
    }
}
