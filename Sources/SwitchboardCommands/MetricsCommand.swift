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
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
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
