import AsyncHTTPClient
import MCPTransport
import MCPWire
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads the answer to one POSTed request on the connection's event loop, delivering each
/// message to the receiver as soon as it is complete.
///
/// Using AsyncHTTPClient's delegate API rather than its async sequences keeps the answer on
/// the event loop: a response goes from the socket to the waiting caller's continuation with
/// no task in between, so a request costs one hop to the event loop and one back.
final class HTTPExchangeDelegate: HTTPClientResponseDelegate {
    typealias Response = Void

    struct Context: Sendable {
        var id: RequestID
        var method: String
        var url: String
        var maximumMessageBytes: Int
        var hadSession: Bool
        /// Whether a 401 or 403 goes to `refused` (the credentials may be renewed and the
        /// request sent again) instead of failing the request.
        var renewable: Bool = false
    }

    /// A request the server refused for its credentials: the status, the `WWW-Authenticate`
    /// values, and the failure to report if they cannot be renewed.
    struct Refusal: Sendable {
        var status: Int
        var challenges: [String]
        var failure: TransportError

        func authorizationRefusal(sent: String?, renewals: Int) -> AuthorizationRefusal {
            AuthorizationRefusal(status: status, challenges: challenges, sent: sent, renewals: renewals)
        }
    }

    static func refusalError(status: Int, url: String, body: String) -> TransportError {
        TransportError(
            status == 401 ? .authorizationRequired : .httpStatus,
            status == 401 ? "\(url) needs a sign-in (HTTP 401)" : "\(url) refused the request (HTTP \(status))",
            httpStatus: status,
            responseBody: body.isEmpty ? nil : String(body.prefix(300))
        )
    }

    private struct State {
        var status = 0
        var contentType = ""
        var retryAfter: Double?
        var challenges: [String] = []
        var sse: SSEParser?
        var body: ByteBuffer?
        var answered = false
        var tooLarge = false
    }

    let context: Context
    let inbound: any TransportInbound
    /// Called with a session id the server assigned (legacy `initialize`), and when a 404
    /// says the session is gone.
    let sessionEvents: @Sendable (_ assigned: String?, _ expired: Bool) -> Void
    /// Called instead of failing the request when the server refuses its credentials and the
    /// context says they may be renewed.
    let refused: @Sendable (Refusal) -> Void
    private let state = Mutex(State())

    init(
        context: Context,
        inbound: any TransportInbound,
        sessionEvents: @escaping @Sendable (String?, Bool) -> Void,
        refused: @escaping @Sendable (Refusal) -> Void = { _ in }
    ) {
        self.context = context
        self.inbound = inbound
        self.sessionEvents = sessionEvents
        self.refused = refused
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        if context.method == Method.initialize, let session = head.headers.first(name: "Mcp-Session-Id") {
            sessionEvents(session, false)
        }
        state.withLock { state in
            state.status = Int(head.status.code)
            state.contentType = head.headers.first(name: "Content-Type")?.lowercased() ?? ""
            state.retryAfter = head.headers.first(name: "Retry-After").flatMap(Double.init)
            state.challenges = head.headers["WWW-Authenticate"]
            if (200..<300).contains(state.status) && state.contentType.hasPrefix("text/event-stream") {
                state.sse = SSEParser(maximumLineBytes: context.maximumMessageBytes)
            } else {
                state.body = ByteBuffer()
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let events: [SSEEvent] = state.withLock { state in
            if state.sse != nil {
                return state.sse!.feed(buffer.readableBytesView)
            }
            let limit = (200..<300).contains(state.status) ? context.maximumMessageBytes : 1 << 16
            if (state.body?.readableBytes ?? 0) + buffer.readableBytes > limit {
                state.tooLarge = true
            } else {
                var incoming = buffer
                state.body?.writeBuffer(&incoming)
            }
            return []
        }
        for event in events where event.type == "message" && !event.data.isEmpty {
            var data = event.data
            do {
                let messages = try data.withUTF8 { try JSONRPCMessage.decodeFrame($0) }
                deliver(messages)
            } catch {
                inbound.receiveMalformed(TransportError(.malformedMessage, "unreadable SSE event: \(error)"))
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    private func deliver(_ messages: [JSONRPCMessage]) {
        for message in messages {
            if message.id == context.id, message.method == nil { state.withLock { $0.answered = true } }
            inbound.receive(message)
        }
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        // Cancelled: the session abandoned the request (it timed out or was cancelled) and
        // already ended it.
        if HTTPFailure.kind(of: error) == .cancelled { return }
        if state.withLock({ $0.answered }) { return }
        let failure = HTTPFailure.transportError(error, url: context.url)
        inbound.requestFailed(context.id, failure)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        let snapshot = state.withLock { $0 }
        if snapshot.answered { return }
        let id = context.id
        if snapshot.sse != nil {
            inbound.requestFailed(id, TransportError(.streamEnded, "the response stream ended before the response arrived"))
            return
        }
        let body = snapshot.body ?? ByteBuffer()
        if snapshot.tooLarge {
            inbound.requestFailed(
                id,
                TransportError(.messageTooLarge, "the answer exceeds the \(context.maximumMessageBytes)-byte limit")
            )
            return
        }
        if (200..<300).contains(snapshot.status) {
            guard body.readableBytes > 0 else {
                inbound.requestFailed(id, TransportError(.streamEnded, "the server answered with an empty body"))
                return
            }
            do {
                deliver(try JSONRPCMessage.decodeFrame(body.readableBytesView))
            } catch {
                inbound.requestFailed(id, TransportError(.malformedMessage, "unreadable response body: \(error)"))
                return
            }
            if !state.withLock({ $0.answered }) {
                inbound.requestFailed(id, TransportError(.streamEnded, "the response body did not answer the request"))
            }
            return
        }
        if snapshot.status == 401 || (snapshot.status == 403 && !snapshot.challenges.isEmpty) {
            let failure = Self.refusalError(status: snapshot.status, url: context.url, body: String(buffer: body))
            if context.renewable {
                refused(Refusal(status: snapshot.status, challenges: snapshot.challenges, failure: failure))
            } else {
                inbound.requestFailed(id, failure)
            }
            return
        }
        if snapshot.status == 404, context.hadSession, context.method != Method.initialize {
            sessionEvents(nil, true)
            inbound.requestFailed(id, TransportError(.sessionExpired, "the server no longer knows this session (HTTP 404)", httpStatus: 404))
            return
        }
        // A JSON-RPC error in the body of a 4xx is the server's real answer (modern servers use
        // 400 for version and header errors, 404 for unknown methods). 5xx and 429 say the
        // server could not answer now, whatever the body: they stay HTTP failures, which may
        // be retried.
        if snapshot.status < 500, snapshot.status != 429, snapshot.contentType.hasPrefix("application/json"),
            let messages = try? JSONRPCMessage.decodeFrame(body.readableBytesView),
            case .errorResponse(let error)? = messages.first
        {
            inbound.receive(.errorResponse(JSONRPCErrorResponse(id: id, error: error.error)))
            return
        }
        let text = String(buffer: body)
        inbound.requestFailed(
            id,
            TransportError(
                .httpStatus,
                "HTTP \(snapshot.status) from \(context.url)",
                httpStatus: snapshot.status,
                responseBody: String(text.prefix(300)),
                retryAfter: snapshot.retryAfter
            )
        )
    }
}
