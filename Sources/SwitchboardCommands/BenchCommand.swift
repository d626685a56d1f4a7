import ArgumentParser
import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import Synchronization

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test a server with repeated tool calls.",
        discussion: """
            Reports calls per second, latency percentiles in microseconds, errors, and the time
            to connect (spawn or reach the server and negotiate a version). A progress bar is
            shown on stderr when it is a terminal.
            """
    )

    @Option(name: .long, help: "The tool to call.") var tool = "echo"
    @Option(name: .long, help: ArgumentHelp("The arguments as a JSON object.", valueName: "json")) var args = #"{"text":"hello"}"#
    @Option(name: .customShort("n"), help: "How many calls.") var count = 1000
    @Option(name: [.customShort("c"), .long], help: "How many calls in flight at once.") var concurrency = 1
    @Option(name: .long, help: "Calls made first and not measured.") var warmup = 100
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("-n must be at least 1") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative") }
        guard (try? JSONValue(parsing: args))?.objectValue != nil else { throw ValidationError("--args must be a JSON object") }
    }

    func run() async throws {
        let arguments = try JSONValue(parsing: args).objectValue ?? [:]
        try await reporting {
            let started = Terminal.nanoseconds()
            try await server.withSession { session in
                // Listing tools is part of connecting: it is what lets calls be validated.
                guard try await session.tool(named: tool) != nil else {
                    throw MCPError(.invalidArguments, "the server has no tool named '\(tool)'")
                }
                let initNanoseconds = Terminal.nanoseconds() - started
                for _ in 0..<warmup { _ = try? await session.callTool(tool, arguments: arguments) }
                let report = await measure(session, arguments: arguments)
                let result = BenchResult(
                    calls: count,
                    concurrency: concurrency,
                    seconds: Double(report.elapsed) / 1e9,
                    latencies: report.latencies,
                    errors: report.errors,
                    initMilliseconds: Double(initNanoseconds) / 1e6,
                    firstError: report.firstError
                )
                Terminal.output(output.json ? result.json : result.table)
            }
        }
    }

    struct Report {
        var elapsed: UInt64
        var latencies: [UInt64]
        var errors: Int
        var firstError: String?
    }

    func measure(_ session: ClientSession, arguments: JSONObject) async -> Report {
        let next = SharedCounter()
        let progress = ProgressBar(total: count, enabled: Terminal.stderrIsTerminal && !output.json)
        let start = Terminal.nanoseconds()
        let total = count
        let tool = self.tool
        let concurrency = self.concurrency
        let options = server.requestOptions()
        // The calls run on the connection's own thread where the transport has one (stdio):
        // each answer then resumes its caller without waking a second thread.
        let parts = await withTaskExecutorPreference(session.transport.preferredTaskExecutor) {
            await withTaskGroup(of: Report.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var part = Report(elapsed: 0, latencies: [], errors: 0)
                        part.latencies.reserveCapacity(total / max(1, concurrency) + 1)
                        while true {
                            let index = next.next()
                            guard index < total else { break }
                            let before = Terminal.nanoseconds()
                            do {
                                let result = try await session.callTool(tool, arguments: arguments, options: options)
                                if result.isError {
                                    part.errors += 1
                                    if part.firstError == nil { part.firstError = "tool error: \(result.text)" }
                                }
                            } catch {
                                part.errors += 1
                                if part.firstError == nil { part.firstError = "\(error)" }
                            }
                            part.latencies.append(Terminal.nanoseconds() - before)
                            progress.advance(index + 1)
                        }
                        return part
                    }
                }
                var all = Report(elapsed: 0, latencies: [], errors: 0)
                for await part in group {
                    all.latencies += part.latencies
                    all.errors += part.errors
                    all.firstError = all.firstError ?? part.firstError
                }
                return all
            }
        }
        progress.finish()
        var report = parts
        report.elapsed = Terminal.nanoseconds() - start
        return report
    }
}

struct BenchResult {
    var calls: Int
    var concurrency: Int
    var seconds: Double
    var latencies: [UInt64]
    var errors: Int
    var initMilliseconds: Double
    var firstError: String?

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)
        return Double(sorted[max(0, index)]) / 1000
    }

    var callsPerSecond: Double { Double(calls) / seconds }

    var json: String {
        let document: JSONValue = [
            "calls": .int(calls),
            "concurrency": .int(concurrency),
            "calls_per_s": .double(rounded(callsPerSecond)),
            "p50_us": .double(rounded(percentile(0.50))),
            "p90_us": .double(rounded(percentile(0.90))),
            "p99_us": .double(rounded(percentile(0.99))),
            "errors": .int(errors),
            "init_ms": .double(rounded(initMilliseconds)),
        ]
        return document.serializedString()
    }

    var table: String {
        var table = TextTable("measure", "value")
        table.add("calls", String(calls))
        table.add("concurrency", String(concurrency))
        table.add("calls/s", format(callsPerSecond))
        table.add("p50", format(percentile(0.50)) + " µs")
        table.add("p90", format(percentile(0.90)) + " µs")
        table.add("p99", format(percentile(0.99)) + " µs")
        table.add("errors", String(errors))
        table.add("init", format(initMilliseconds) + " ms")
        if let firstError { table.add("first error", firstError) }
        return table.render()
    }

    func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    func format(_ value: Double) -> String { Self.format(value) }

    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// A one-line progress bar on stderr, redrawn as calls complete (never on a timer).
final class ProgressBar: Sendable {
    let total: Int
    let enabled: Bool
    let step: Int
    let drawn = Atomic<Int>(0)

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
        self.step = max(1, total / 50)
    }

    func advance(_ done: Int) {
        guard enabled, done % step == 0 || done == total else { return }
        let filled = done * 30 / total
        Terminal.error(
            "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] \(done)/\(total)",
            terminator: ""
        )
        drawn.store(1, ordering: .relaxed)
    }

    func finish() {
        if drawn.load(ordering: .relaxed) == 1 { Terminal.error("") }
    }
}

/// A counter tasks share to take the next call number.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
