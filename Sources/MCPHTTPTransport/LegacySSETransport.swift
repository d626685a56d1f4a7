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

    /// How many times one request is sent again after its credentials were renewed (a backstop,
    /// as in ``StreamableHTTPTransport``).
    static let maximumRenewals = 6

    /// Opens the event stream and waits for the `endpoint` event.
    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        state.withLock { $0.inbound = inbound }
        let endpoint = ContinuationSlot<String>()
        let base = HTTPURL(url)!
        // The event stream is the whole inbound side of this transport; it lives until close().
        let task = Task { [self] in
            do {
                let response = try await openStream()
                let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
                guard response.status == .ok, contentType.hasPrefix("text/event-stream") else {
                    let status = Int(response.status.code)
                    endpoint.resume(
                        throwing: TransportError(
                            status == 401 ? .authorizationRequired : .httpStatus,
                            "GET \(url) answered HTTP \(response.status.code) (\(contentType)), not an SSE stream",
                            httpStatus: status
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
                let failure = error as? TransportError ?? HTTPFailure.transportError(error, url: url)
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

    /// The GET of the event stream, sent again while the authorization renews credentials the
    /// server refused.
    private func openStream() async throws -> HTTPClientResponse {
        var renewals = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let (headers, sent) = try await options.authorizedHeaders()
            request.headers = headers
            request.headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
            let response = try await client.execute(request, timeout: .hours(24 * 365))
            guard let refusal = refusal(of: response, sent: sent, renewals: renewals) else { return response }
            _ = try? await response.body.collect(upTo: 1 << 16)
            guard try await options.dynamicAuthorization?.recover(refusal) == true else {
                throw TransportError(.authorizationRequired, "GET \(url) needs a sign-in (HTTP \(refusal.status))", httpStatus: refusal.status)
            }
            renewals += 1
        }
    }

    /// The refusal to hand the authorization, when the server refused the credentials and they
    /// may be renewed.
    private func refusal(of response: HTTPClientResponse, sent: String?, renewals: Int) -> AuthorizationRefusal? {
        let status = Int(response.status.code)
        guard status == 401 || status == 403, options.dynamicAuthorization != nil, renewals < Self.maximumRenewals else { return nil }
        let challenges = response.headers["WWW-Authenticate"]
        // A 403 without a challenge is about something else than the token.
        guard status == 401 || !challenges.isEmpty else { return nil }
        return AuthorizationRefusal(status: status, challenges: challenges, sent: sent, renewals: renewals)
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
        var renewals = 0
        while true {
            var request = HTTPClientRequest(url: postURL)
            request.method = .POST
            let (headers, sent) = try await options.authorizedHeaders()
            request.headers = headers
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: message.message.encoded()))
            let response: HTTPClientResponse
            let body: ByteBuffer?
            do {
                response = try await client.execute(request, timeout: .seconds(30))
                body = try? await response.body.collect(upTo: 1 << 16)
            } catch {
                throw HTTPFailure.transportError(error, url: postURL)
            }
            if let refusal = refusal(of: response, sent: sent, renewals: renewals) {
                // Refused before the server's handler saw it: safe to send again once renewed.
                if try await options.dynamicAuthorization?.recover(refusal) == true {
                    renewals += 1
                    continue
                }
            }
            guard (200..<300).contains(Int(response.status.code)) else {
                let status = Int(response.status.code)
                let failure = TransportError(
                    status == 401 ? .authorizationRequired : .httpStatus,
                    "POST \(postURL) answered HTTP \(response.status.code)",
                    httpStatus: status,
                    responseBody: body.map { String(buffer: $0).prefix(300).description }
                )
                if case .request(let rpc) = message.message {
                    state.withLock { $0.inbound }?.requestFailed(rpc.id, failure)
                    return
                }
                throw failure
            }
            return
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
