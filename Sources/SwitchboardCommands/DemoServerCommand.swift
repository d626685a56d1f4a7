import ArgumentParser
import DemoServer
import MCPServer
import MCPTransport
import MCPWire

struct DemoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-server",
        abstract: "Run the built-in demo server, over stdio or HTTP.",
        discussion: """
            Over stdio (the default) it serves until its stdin closes. With --http PORT it
            serves Streamable HTTP at http://HOST:PORT/mcp (port 0 picks a free port; the
            address is printed on stderr).
            """
    )

    @Option(name: .long, help: "Serve Streamable HTTP on this port instead of stdio.") var http: Int?
    @Option(name: .long, help: "The address to bind for HTTP.") var host = "127.0.0.1"
    @Option(name: .long, help: "Items per page in list results.") var pageSize: Int?
    @Option(name: .long, help: "HTTP answers: auto, json or sse.") var responseMode = "auto"
    @Option(name: .long, help: "Protocol versions to serve, comma-separated (default: all).") var versions: String?
    @Flag(name: .long, help: "Add the fault-injection tools (lookup, write_record, chaos, executions).") var chaos = false
    @Option(name: .long, help: "With --chaos: append each tool execution and request method to this file.") var countFile: String?
    @Option(name: .long, help: "With --chaos: milliseconds lookup and write_record wait before answering (a slow server).") var delayMs = 0
    @Option(name: .long, help: "The ttlMs of list and read results, in milliseconds (0: do not cache).") var listTtlMs = 60_000

    func validate() throws {
        guard ["auto", "json", "sse"].contains(responseMode) else { throw ValidationError("--response-mode must be auto, json or sse") }
        if let pageSize, pageSize < 1 { throw ValidationError("--page-size must be at least 1") }
        if let http, !(0...65535).contains(http) { throw ValidationError("--http must be a port number") }
        if delayMs < 0 { throw ValidationError("--delay-ms must be 0 or more") }
        if delayMs > 0 && !chaos { throw ValidationError("--delay-ms goes with --chaos") }
        for version in servedVersions where !version.isKnown {
            throw ValidationError("unknown protocol version '\(version)'")
        }
    }

    var servedVersions: [ProtocolVersion] {
        guard let versions else { return ProtocolVersion.supported }
        return versions.split(separator: ",").map { ProtocolVersion(String($0).trimmed) }.sorted(by: >)
    }

    func run() async throws {
        let server = DemoServer.make(
            options: Server.Options(pageSize: pageSize, listTTLMilliseconds: listTtlMs, versions: servedVersions),
            chaos: chaos ? ChaosOptions(countFile: countFile, delay: .milliseconds(Int64(delayMs))) : nil
        )
        if let http {
            let host = self.host
            try await CommandEnvironment.requireHTTP().serve(server, host: host, port: http, responseMode: responseMode) { port in
                Terminal.error("demo server listening on http://\(host):\(port)/mcp")
            }
        } else {
            let session = ServerSession(server: server, transport: StdioServerTransport())
            try await session.run()
        }
    }
}
