import AsyncHTTPClient
import JSONCore
import MCPClient
import MCPConnect
import MCPHTTPTransport
import MCPTransport
import MCPWire
import NIOCore
import TestSupport
import Testing

@Suite("Faults over HTTP")
struct HTTPFaultTests {
    static func withFaultServer(_ body: (ClientSession) async throws -> Void) async throws {
        let peer = try await HTTPPeer(Peers.python) { port in [Peers.pythonScript("fault_server.py"), "--http", String(port)] }
        defer { peer.stop() }
        try await ClientSession.withSession(
            transport: StreamableHTTPTransport(url: peer.url),
            configuration: ClientConfiguration(defaultTimeout: .seconds(10)),
            body
        )
    }

    @Test("HTTP 500 is a typed server error with the status and body")
    func http500() async throws {
        try await Self.withFaultServer { session async throws in
            await #expect {
                try await session.callTool("http500")
            } throws: { error in
                guard let error = error as? MCPError else { return false }
                return error.code == .serverError && error.transportError?.httpStatus == 500
                    && error.message.contains("internal failure")
            }
            #expect(try await session.callTool("ok").text == "ok done")
        }
    }

    @Test("a stream cut in the middle of an SSE event fails that request only")
    func cutStream() async throws {
        try await Self.withFaultServer { session async throws in
            await #expect {
                try await session.callTool("cut")
            } throws: { error in
                (error as? MCPError)?.code == .transportClosed && (error as? MCPError)?.transportError?.code == .streamEnded
            }
            #expect(try await session.callTool("ok").text == "ok done")
        }
    }

    @Test("a 10 MiB JSON answer arrives whole")
    func bigAnswer() async throws {
        try await Self.withFaultServer { session async throws in
            let result = try await session.callTool("big")
            #expect(result.text.utf8.count == 10 * 1024 * 1024)
        }
    }

    @Test("a hanging HTTP answer hits the deadline")
    func hang() async throws {
        try await Self.withFaultServer { session async throws in
            await #expect {
                try await session.callTool("hang", options: RequestOptions(timeout: .milliseconds(300)))
            } throws: { ($0 as? MCPError)?.code == .timeout }
            #expect(try await session.callTool("ok").text == "ok done")
        }
    }

    @Test("connection refused fails fast as connectionFailed: refused, not timed out", .timeLimit(.minutes(1)))
    func connectionRefused() async throws {
        // A port bound but not listening refuses every connection (a port that was merely
        // free a moment ago may be taken by another test's server meanwhile).
        let socket = try Network.BoundSocket()
        defer { socket.close() }
        let options = ConnectionOptions(http: HTTPOptions(connectTimeout: .seconds(600)))
        await #expect {
            try await ClientSession.connect(
                to: .http(url: "http://127.0.0.1:\(socket.port)/mcp"),
                options: options,
                configuration: ClientConfiguration(defaultTimeout: .seconds(600))
            )
        } throws: { error in
            // Answered long before any deadline: the refusal itself, not a connect timeout.
            guard let error = error as? MCPError, error.code == .connectionFailed, let underlying = error.transportError?.underlying else {
                return false
            }
            // Said as the system says it, not in NIO's internal wording.
            guard error.message.hasSuffix("cannot connect to http://127.0.0.1:\(socket.port)/mcp: Connection refused") else { return false }
            return (underlying as? HTTPClientError) != .connectTimeout && !(underlying is ChannelError)
        }
    }

    @Test("a URL that is not http is refused before connecting")
    func badURL() async throws {
        await #expect {
            try await ClientSession.connect(to: .http(url: "ftp://example.com/mcp"))
        } throws: { error in
            guard let error = error as? MCPError else { return false }
            return error.code == .connectionFailed && error.message.contains("not an http")
        }
    }
}
