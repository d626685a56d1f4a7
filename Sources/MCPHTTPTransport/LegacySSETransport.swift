import AsyncHTTPClient
public import MCPTransport
import MCPWire
import NIOCore
import NIOHTTP1
import Synchronization

/// The HTTP+SSE transport of revision 2024-11-05 (deprecated, still served by many servers).
///
/// A GET opens an event stream whose first event, `endpoint`, names the URL to POST
/// messages to; every message from the server, responses included, arrives on that stream.
public final class LegacySSETransport: Transport {
    public var kind: TransportKind { .legacySSE }
    public let url: String
    public let options: HTTPOptions
    let client: HTTPClient

    private struct State {
        var inbound: (any TransportInbound)?
        var postURL: String?
        var stream: Task<Void, Never>?
        var closed = false
    }
    private let state = Mutex(State())

    public init(url: String, options: HTTPOptions = HTTPOptions()) throws(TransportError) {
        guard HTTPURL(url) != nil else {
            throw TransportError(.invalidEndpoint, "'\(url)' is not an http:// or https:// URL")
        }
        self.url = url
        self.options = options
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func headers() async throws(TransportError) -> HTTPHeaders { try await options.authorizedHeaders().headers }

    /// Opens the event stream and waits for the `endpoint` event.
    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        state.withLock { $0.inbound = inbound }
        let endpoint = ContinuationSlot<String>()
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers = try await headers()
        request.headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
        let get = request
        let base = HTTPURL(url)!
        // The event stream is the whole inbound side of this transport; it lives until close().
        let task = Task { [self] in
            do {
                let response = try await client.execute(get, timeout: .hours(24 * 365))
                let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
                guard response.status == .ok, contentType.hasPrefix("text/event-stream") else {
                    endpoint.resume(
                        throwing: TransportError(
                            .httpStatus,
                            "GET \(url) answered HTTP \(response.status.code) (\(contentType)), not an SSE stream",
                            httpStatus: Int(response.status.code)
                        )
                    )
                    return
                }
                var parser = SSEParser(maximumLineBytes: options.maximumMessageBytes)
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) {
                        if event.type == "endpoint" {
                            endpoint.resume(returning: base.resolving(event.data.trimmingSpaces))
                            continue
                        }
                        guard event.type == "message", !event.data.isEmpty else { continue }
                        var data = event.data
                        do {
                            for message in try data.withUTF8({ try JSONRPCMessage.decodeFrame($0) }) { inbound.receive(message) }
                        } catch {
                            inbound.receiveMalformed(TransportError(.malformedMessage, "unreadable SSE event: \(error)"))
                        }
                    }
                }
                endpoint.resume(throwing: TransportError(.streamEnded, "the SSE stream ended before naming an endpoint"))
                self.streamEnded(TransportError(.streamEnded, "the server closed the SSE stream"))
            } catch {
                let failure = HTTPFailure.transportError(error, url: url)
                endpoint.resume(throwing: failure)
                if !Task.isCancelled { self.streamEnded(failure) }
            }
        }
        state.withLock { $0.stream = task }
        do {
            let postURL = try await endpoint.wait()
            state.withLock { $0.postURL = postURL }
        } catch let error as TransportError {
            task.cancel()
            throw error
        } catch {
            task.cancel()
            throw TransportError(.connectionFailed, "\(error)")
        }
    }

    private func streamEnded(_ error: TransportError) {
        let inbound = state.withLock { state -> (any TransportInbound)? in
            if state.closed { return nil }
            state.closed = true
            defer { state.inbound = nil }
            return state.inbound
        }
        inbound?.closed(error)
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        guard let postURL = state.withLock({ $0.closed ? nil : $0.postURL }) else {
            throw TransportError(.closed, "the SSE transport is not connected")
        }
        var request = HTTPClientRequest(url: postURL)
        request.method = .POST
        request.headers = try await headers()
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: message.message.encoded()))
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try? await response.body.collect(upTo: 1 << 16)
            guard (200..<300).contains(Int(response.status.code)) else {
                let failure = TransportError(
                    .httpStatus,
                    "POST \(postURL) answered HTTP \(response.status.code)",
                    httpStatus: Int(response.status.code),
                    responseBody: body.map { String(buffer: $0).prefix(300).description }
                )
                if case .request(let rpc) = message.message {
                    state.withLock { $0.inbound }?.requestFailed(rpc.id, failure)
                    return
                }
                throw failure
            }
        } catch let error as TransportError {
            throw error
        } catch {
            throw HTTPFailure.transportError(error, url: postURL)
        }
    }

    public func close() async {
        let (task, inbound, wasOpen) = state.withLock { state in
            // Closed, it lets go of its receiver: a closed session and transport free each other.
            defer {
                state.closed = true
                state.inbound = nil
            }
            return (state.stream, state.inbound, !state.closed)
        }
        task?.cancel()
        await task?.value
        try? await client.shutdown()
        if wasOpen { inbound?.closed(nil) }
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
