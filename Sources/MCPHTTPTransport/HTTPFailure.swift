package import AsyncHTTPClient
package import MCPTransport
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns what AsyncHTTPClient and NIO throw into a ``TransportError`` by the error's *type*,
/// never its text, deciding the one thing retries and failover depend on: whether the request
/// certainly never left.
///
/// Only failures that happen before a request can be written prove that:
/// - the connection could not be made: `NIOConnectionError` (every address refused or
///   unreachable, or the name did not resolve), a connect timeout, `ECONNREFUSED`,
///   `ENETUNREACH`, `EHOSTUNREACH`, `EADDRNOTAVAIL`;
/// - no connection was ever handed out: AsyncHTTPClient's pool timeout, a proxy or TLS
///   handshake timeout, a client already shut down, an unusable URL.
///
/// Those become ``TransportError/Code/connectionFailed``. Everything else (a reset, a
/// connection closed or timed out while the answer was awaited, and any error this does not
/// recognise) becomes ``TransportError/Code/connectionBroken``: the server may have received
/// the request, so only a call that is safe to repeat is sent again.
package enum HTTPFailure {
    package enum Kind: Equatable {
        /// The request never left: the connection could not be made.
        case notConnected
        /// The request may have reached the server.
        case broken
        /// The caller cancelled it.
        case cancelled
    }

    /// What `error` proves, by its type.
    package static func kind(of error: any Error) -> Kind {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError { return kind(of: error) }
        if error is NIOConnectionError { return .notConnected }
        if let error = error as? ChannelError {
            if case .connectTimeout = error { return .notConnected }
            return .broken
        }
        if let error = error as? IOError { return kind(ofErrno: error.errnoCode) }
        if error is SocketAddressError { return .notConnected }
        return .broken
    }

    package static func kind(of error: HTTPClientError) -> Kind {
        switch error {
        case .cancelled:
            return .cancelled
        case .connectTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .tlsHandshakeTimeout,
            .getConnectionFromPoolTimeout, .alreadyShutdown, .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath,
            .invalidProxyResponse, .proxyAuthenticationRequired:
            return .notConnected
        default:
            return .broken
        }
    }

    /// `errno`s that a socket only reports while connecting.
    package static func kind(ofErrno code: Int32) -> Kind {
        switch code {
        case ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, ENOENT: return .notConnected
        default: return .broken
        }
    }

    /// What went wrong, in words a person can act on: the system's reason for a socket error
    /// ("Connection refused"), each address tried, a name that did not resolve; never NIO's
    /// internal wording ("connection reset (error set)").
    package static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError {
            if let lookup = error.dnsAError ?? error.dnsAAAAError { return "\(error.host) could not be resolved (\(lookup))" }
            let attempts = error.connectionErrors.map { "\($0.target): \(describe($0.error))" }
            return attempts.isEmpty ? "\(error.host) resolved to no address" : attempts.joined(separator: "; ")
        }
        if let error = error as? ChannelError, case .connectTimeout(let limit) = error { return "no connection within \(limit)" }
        if let error = error as? HTTPClientError, error == .connectTimeout { return "no connection within the connect timeout" }
        return "\(error)"
    }

    /// The transport error for `error`, raised while talking to `url`.
    package static func transportError(_ error: any Error, url: String) -> TransportError {
        switch kind(of: error) {
        case .notConnected:
            return TransportError(.connectionFailed, "cannot connect to \(url): \(describe(error))", underlying: error)
        case .cancelled:
            return TransportError(.closed, "the request to \(url) was cancelled", underlying: error, messageNotSent: false)
        case .broken:
            return TransportError(
                .connectionBroken,
                "the connection to \(url) failed after the request may have been sent: \(describe(error))",
                underlying: error
            )
        }
    }
}
