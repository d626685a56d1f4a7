import HTTPTypes
public import Hummingbird
import JSONCore
public import MCPServer
import MCPTransport
public import MCPWire
import NIOCore
import ServiceLifecycle
import Synchronization

/// Serves a ``Server`` over the 2024-11-05 HTTP+SSE transport, for clients that speak only
/// it: `GET /sse` opens a session's event stream, whose first event (`endpoint`) names where
/// to POST; each POSTed message is accepted with 202 and answered on the stream, where the
/// server's own requests and notifications go too.
///
/// A session belongs to the caller that opened it (another caller naming it gets 404) and
/// ends when its stream does.
public final class SSEEndpoint: Sendable {
    public let server: Server
    /// The stream's path (`/sse`) and the messages' path (`/messages`).
    public let streamPath: String
    public let messagesPath: String
    let options: HTTPEndpointOptions
    let sessions = Mutex<[String: SSESession]>([:])

    public init(server: Server, streamPath: String = "/sse", messagesPath: String = "/messages", options: HTTPEndpointOptions = HTTPEndpointOptions())
    {
        self.server = server
        self.streamPath = streamPath
        self.messagesPath = messagesPath
        self.options = options
    }

    /// How many sessions are open.
    public var sessionCount: Int { sessions.withLock { $0.count } }

    /// Adds `GET streamPath` and `POST messagesPath` to `router`; `identify` and `admit` as for
    /// ``MCPHTTPEndpoint/addRoutes(to:identify:admit:)``.
    public func addRoutes<Routes: RouterMethods>(
        to router: Routes,
        identify: @escaping @Sendable (Request, Routes.Context) -> (any CallerIdentity)? = { _, _ in nil },
        admit: @escaping @Sendable (Request, JSONRPCRequest, Routes.Context) async -> HTTPRefusal? = { _, _, _ in nil }
    ) {
        router.get(RouterPath(streamPath)) { request, context in self.open(request, caller: identify(request, context)) }
        router.post(RouterPath(messagesPath)) { request, context in
            try await self.post(request, caller: identify(request, context)) { rpc in await admit(request, rpc, context) }
        }
    }

    func open(_ request: Request, caller: (any CallerIdentity)?) -> Response {
        if let refusal = checkOrigin(request, options) { return refusal }
        let id = MCPHTTPEndpoint.newSessionID()
        let session = SSESession(id: id, owner: caller?.name, server: server, caller: caller)
        sessions.withLock { $0[id] = session }
        let keepAlive = options.keepAliveInterval
        let endpoint = "\(messagesPath)?sessionId=\(id)"
        let headers = MCPHTTPEndpoint.eventStreamHeaders
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { [weak self] writer in
                // The session's handler runs as long as its stream is open; the stream's end
                // (the client went away, or shutdown) ends it.
                let serving = Task { try? await session.run() }
                defer {
                    serving.cancel()
                    self?.sessions.withLock { _ = $0.removeValue(forKey: id) }
                }
                try await writer.write(ByteBuffer(string: "event: endpoint\ndata: \(endpoint)\n\n"))
                do {
                    try await withGracefulShutdownHandler {
                        while true {
                            switch await session.transport.events.next(within: keepAlive) {
                            case .element(let message): try await writer.write(MCPHTTPEndpoint.sseEvent(message))
                            case .timedOut: try await writer.write(MCPHTTPEndpoint.keepAliveComment)
                            case .finished: return
                            }
                        }
                    } onGracefulShutdown: {
                        session.transport.events.finish()
                    }
                    await session.transport.close()
                    try await writer.finish(nil)
                } catch {
                    await session.transport.close()
                    throw error
                }
            }
        )
    }

    func post(_ request: Request, caller: (any CallerIdentity)?, admit: (JSONRPCRequest) async -> HTTPRefusal?) async throws -> Response {
        if let refusal = checkOrigin(request, options) { return refusal }
        guard let id = request.uri.queryParameters["sessionId"].map(String.init) else {
            return Self.error(.badRequest, ErrorCode.invalidRequest, "POST \(messagesPath)?sessionId=<id>, as the stream's endpoint event says")
        }
        guard let session = sessions.withLock({ $0[id] }), session.owner == caller?.name else {
            return Self.error(.notFound, ErrorCode.invalidRequest, "unknown or closed session \(id): open \(streamPath) again")
        }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: options.maximumBodyBytes) } catch {
            return Self.error(.contentTooLarge, ErrorCode.invalidRequest, "request body too large")
        }
        let messages: [JSONRPCMessage]
        do { messages = try JSONRPCMessage.decodeFrame(body.readableBytesView) } catch {
            return Self.error(.badRequest, ErrorCode.parseError, "\(error)")
        }
        for case .request(let rpc) in messages {
            if let refusal = await admit(rpc) {
                var headers = refusal.headers
                headers[.contentType] = "application/json"
                let message = JSONRPCMessage.errorResponse(JSONRPCErrorResponse(id: rpc.id, error: refusal.error))
                return Response(status: refusal.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.encoded())))
            }
        }
        for message in messages { session.transport.deliver(message) }
        return Response(status: .accepted)
    }

    static func error(_ status: HTTPResponse.Status, _ code: Int, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body = JSONRPCMessage.errorResponse(JSONRPCErrorResponse(id: nil, error: JSONRPCError(code: code, message: message)))
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }
}

/// One HTTP+SSE session: a server session over the stream's transport.
final class SSESession: Sendable {
    let id: String
    let owner: String?
    let transport = SSEStreamTransport()
    let session: ServerSession

    init(id: String, owner: String?, server: Server, caller: (any CallerIdentity)?) {
        self.id = id
        self.owner = owner
        session = ServerSession(server: server, transport: transport, caller: caller)
    }

    func run() async throws { try await session.run() }
}

/// The server side of one HTTP+SSE stream: what the server sends is queued for the stream,
/// what the client POSTs is handed to the server session.
final class SSEStreamTransport: Transport {
    var kind: TransportKind { .legacySSE }
    let events = EventQueue<JSONRPCMessage>()
    let inbound = Mutex<(any TransportInbound)?>(nil)
    let open = Atomic<Bool>(true)

    func start(_ inbound: any TransportInbound) async throws(TransportError) {
        self.inbound.withLock { $0 = inbound }
    }

    func send(_ message: OutboundMessage) async throws(TransportError) {
        guard open.load(ordering: .relaxed) else { throw TransportError(.closed, "the client's event stream is closed") }
        events.push(message.message)
    }

    /// A message the client POSTed.
    func deliver(_ message: JSONRPCMessage) {
        inbound.withLock { $0 }?.receive(message)
    }

    func close() async {
        guard open.exchange(false, ordering: .relaxed) else { return }
        events.finish()
        inbound.withLock { $0 }?.closed(TransportError(.closed, "the client's event stream closed"))
    }
}
