import AsyncHTTPClient
import MCPHTTPTransport
import MCPTransport
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// HTTP failures are classified by their type, never their text: only what proves the request
/// never left is "not connected"; everything else, unknown errors included, may have reached
/// the server.
@Suite("HTTP failure classification")
struct HTTPFailureClassificationTests {
    struct Unrecognised: Error, CustomStringConvertible {
        // Text that the old substring matcher took for a connection failure.
        var description: String { "NIOConnectionError connect( Connection refused connectTimeout" }
    }

    @Test("failures before a connection exists prove nothing was sent")
    func notConnected() {
        for error in [HTTPClientError.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .alreadyShutdown] {
            #expect(HTTPFailure.kind(of: error) == .notConnected, "\(error)")
        }
        #expect(HTTPFailure.kind(of: ChannelError.connectTimeout(.seconds(1))) == .notConnected)
        #expect(HTTPFailure.kind(of: IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .notConnected)
        #expect(HTTPFailure.kind(of: IOError(errnoCode: EHOSTUNREACH, reason: "connect")) == .notConnected)
        #expect(HTTPFailure.transportError(HTTPClientError.connectTimeout, url: "http://x").code == .connectionFailed)
    }

    @Test("resets, closes and read timeouts may have reached the server, and so may anything unrecognised")
    func mayHaveReached() {
        let broken: [any Error] = [
            HTTPClientError.remoteConnectionClosed, HTTPClientError.readTimeout, HTTPClientError.uncleanShutdown,
            ChannelError.eof, ChannelError.ioOnClosedChannel,
            IOError(errnoCode: ECONNRESET, reason: "read"), IOError(errnoCode: EPIPE, reason: "write"),
            Unrecognised(),
        ]
        for error in broken {
            #expect(HTTPFailure.kind(of: error) == .broken, "\(error)")
            #expect(HTTPFailure.transportError(error, url: "http://x").code == .connectionBroken, "\(error)")
        }
    }

    @Test("cancellation is told apart by type")
    func cancelled() {
        #expect(HTTPFailure.kind(of: HTTPClientError.cancelled) == .cancelled)
        #expect(HTTPFailure.kind(of: CancellationError()) == .cancelled)
    }
}
