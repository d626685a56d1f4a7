import ArgumentParser
import Metrics
import Prometheus

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Run a command, then print the metrics it produced (Prometheus text format).",
        discussion: """
            switchboard metrics bench -n 1000          # the command's own output, then the metrics
            switchboard metrics                        # with no command: lists tools and calls echo

            The gateway serves the same metrics on /metrics.
            """
    )

    @Argument(parsing: .captureForPassthrough, help: "The command to run, with its options.")
    var command: [String] = []

    func run() async throws {
        let registry = PrometheusMetrics.registry
        let commands = command.isEmpty ? [["tools"], ["call", "echo", "text=metrics"]] : [command]
        var failure: (any Error)?
        for arguments in commands {
            do {
                var parsed = try SwitchboardCommand.parseAsRoot(arguments)
                if var asynchronous = parsed as? any AsyncParsableCommand {
                    try await asynchronous.run()
                } else {
                    try parsed.run()
                }
            } catch {
                failure = error
                break
            }
        }
        var exposition: [UInt8] = []
        registry.emit(into: &exposition)
        Terminal.output(String(decoding: exposition, as: UTF8.self))
        if let failure { throw failure }
    }
}

/// The process's Prometheus registry, bootstrapped into swift-metrics the first time it is
/// asked for (swift-metrics allows one bootstrap per process; `metrics serve` asks twice).
enum PrometheusMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // An MCP call through a local server takes well under a millisecond: buckets from 100 µs.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Everything recorded so far, in Prometheus's text format.
    @Sendable static func exposition() -> [UInt8] {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return bytes
    }
}
