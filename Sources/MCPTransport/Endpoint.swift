/// Where one instance of a server runs: a process spoken to over stdio, or an HTTP endpoint.
///
/// The one description of a server's location, whatever reads it: a configuration file, the
/// command line (`--stdio`, `--url`), or a program. How to reach it (restart policy, timeouts)
/// is a connector's ``ConnectionOptions``, not part of where it is.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// A process spoken to over stdio.
    case stdio(ProcessConfiguration)
    /// An HTTP endpoint with the headers every request carries: Streamable HTTP (falling back
    /// to HTTP+SSE when `automatic`) or HTTP+SSE.
    case http(url: String, headers: [String: String] = [:], transport: HTTPTransportChoice = .automatic)

    /// The command line or URL, for tables and messages, secrets masked; never a header or an
    /// environment value.
    public var description: String {
        switch self {
        case .stdio(let process): "stdio: " + ([process.command] + Redaction.arguments(process.arguments)).joined(separator: " ")
        case .http(let url, _, let transport): (transport == .sse ? "sse: " : "") + Redaction.url(url)
        }
    }

    /// Whether it is reached over HTTP (the lean binary hands those to `switchboard-http`).
    public var isHTTP: Bool {
        if case .http = self { return true }
        return false
    }
}
