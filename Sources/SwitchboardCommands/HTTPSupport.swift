public import MCPClient
public import MCPServer
public import MCPTransport
public import SwitchboardConfiguration

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the command line can do over HTTP.
///
/// The `switchboard` binary is built without any HTTP code (no NIO, no AsyncHTTPClient, no
/// Hummingbird, no Foundation), so that a stdio call starts fast and stays small. When a
/// command needs HTTP (`--url`, an HTTP server in `--config`, `demo-server --http`), it hands
/// the whole command line to `switchboard-http`, its sibling binary, which provides this.
public protocol HTTPSupport: Sendable {
    /// Connects to an MCP server at `url`.
    func connect(
        url: String,
        options: HTTPOptions,
        transport: HTTPTransportChoice,
        configuration: ClientConfiguration
    ) async throws(MCPError) -> ClientSession

    /// Serves `server` over Streamable HTTP until stopped.
    func serve(
        _ server: Server,
        host: String,
        port: Int,
        responseMode: String,
        onListening: @escaping @Sendable (Int) async -> Void
    ) async throws
}

/// Where the running binary's HTTP support comes from.
public enum CommandEnvironment {
    /// Set by `switchboard-http`; `nil` in `switchboard`.
    @TaskLocal public static var http: (any HTTPSupport)?

    /// The YAML reader, set by `switchboard-http` (YAML parsing needs Foundation, which the lean binary leaves out).
    @TaskLocal public static var yaml: ConfigurationDocument.YAMLReader?

    /// The HTTP support, or — in the lean binary — the process replaced by `switchboard-http`
    /// with the same arguments. Never returns `nil`: it either has support or does not return.
    static func requireHTTP() throws -> any HTTPSupport {
        if let http { return http }
        try handOff(needing: "HTTP support")
    }

    /// The YAML reader, or — in the lean binary — the process replaced by `switchboard-http`.
    static func requireYAML() throws(ConfigurationProblem) -> ConfigurationDocument.YAMLReader {
        if let yaml { return yaml }
        do { try handOff(needing: "a YAML reader") } catch { throw ConfigurationProblem("\(error)") }
    }

    /// Replaces this process by `switchboard-http` with the same arguments; returns only by throwing.
    static func handOff(needing what: String) throws -> Never {
        let sibling = Terminal.executableDirectory + "/switchboard-http"
        guard access(sibling, X_OK) == 0 else {
            throw HandOffFailure(
                description: "this command needs \(what), which lives in \(sibling); build it with "
                    + "'swift build -c release' (all products) or 'swift build --product switchboard-http'"
            )
        }
        var arguments = CommandLine.arguments
        arguments[0] = sibling
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(sibling, &argv)
        let reason = String(cString: strerror(errno))
        argv.forEach { free($0) }
        throw HandOffFailure(description: "could not start \(sibling): \(reason)")
    }
}

struct HandOffFailure: Error, CustomStringConvertible {
    var description: String
}
