import HTTPTypes
public import Hummingbird
import JSONCore
public import MCPServer
public import MCPWire
import NIOCore
import ServiceLifecycle
import Synchronization

/// Serves a ``Server`` over Streamable HTTP, for modern and legacy clients alike.
///
/// - Modern requests (`_meta` with a 2026-07-28 version) are stateless: the standard headers
///   are checked against the body, and each answer is JSON or an SSE stream of its own.
/// - `initialize` opens a legacy session (`Mcp-Session-Id`); later POSTs name it, the GET
///   stream carries what the server sends unasked (with `Last-Event-ID` replay), DELETE ends it.
///
/// In ``ResponseMode/auto`` an answer is plain JSON unless the handler sends something first
/// (progress, a log message, a request to the client), which turns it into SSE.
public final class MCPHTTPEndpoint: Sendable {
    public let server: Server
    public let options: HTTPEndpointOptions
    let sessions = Mutex<[String: HTTPLegacySession]>([:])
    let forwarders = Mutex<[String: Task<Void, Never>]>([:])

    public init(server: Server, options: HTTPEndpointOptions = HTTPEndpointOptions()) {
        self.server = server
        self.options = options
    }

    /// Adds the MCP routes (POST, GET, DELETE on ``HTTPEndpointOptions/path``) to `router`
    /// (a router, or a group of one with its own middleware).
    ///
    /// - Parameters:
    ///   - identify: who sent a request, as the router's middleware established it;
    ///     handlers see it as ``MCPServer/RequestContext/caller``. A legacy session belongs to
    ///     the caller that opened it: a request naming it from anyone else is answered as if it
    ///     did not exist (404).
    ///   - admit: looks at each JSON-RPC request before it is handled, and may refuse it with
    ///     an HTTP answer of its own (an authorization layer's 403 with its challenge).
    public func addRoutes<Routes: RouterMethods>(
        to router: Routes,
        identify: @escaping @Sendable (Request, Routes.Context) -> (any CallerIdentity)? = { _, _ in nil },
        admit: @escaping @Sendable (Request, JSONRPCRequest, Routes.Context) async -> HTTPRefusal? = { _, _, _ in nil }
    ) {
        let path = RouterPath(options.path)
        router.post(path) { request, context in
            try await self.post(request, caller: identify(request, context)) { rpc in await admit(request, rpc, context) }
        }
        router.get(path) { request, context in self.get(request, caller: identify(request, context)) }
        router.delete(path) { request, context in self.delete(request, caller: identify(request, context)) }
    }

    /// How many legacy sessions are open.
    public var sessionCount: Int { sessions.withLock { $0.count } }

    /// Answers one request to the endpoint (POST, GET or DELETE), for a router that finds the
    /// endpoint itself (one route for many endpoints); `caller` and `admit` as for ``addRoutes(to:identify:admit:)``.
    public func respond(
        to request: Request,
        caller: (any CallerIdentity)?,
        admit: (JSONRPCRequest) async -> HTTPRefusal? = { _ in nil }
    ) async throws -> Response {
        switch request.method {
        case .post: try await post(request, caller: caller, admit: admit)
        case .get: get(request, caller: caller)
        case .delete: delete(request, caller: caller)
        default: Response(status: .methodNotAllowed)
        }
    }

    // MARK: - POST

    func post(
        _ request: Request,
        caller: (any CallerIdentity)? = nil,
        admit: (JSONRPCRequest) async -> HTTPRefusal? = { _ in nil }
    ) async throws -> Response {
        if let refusal = checkOrigin(request) { return refusal }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: options.maximumBodyBytes) } catch {
            return errorResponse(nil, JSONRPCError(code: ErrorCode.invalidRequest, message: "request body too large"), status: .contentTooLarge)
        }
        let messages: [JSONRPCMessage]
        do { messages = try JSONRPCMessage.decodeFrame(body.readableBytesView) } catch {
            return errorResponse(nil, JSONRPCError(code: ErrorCode.parseError, message: "\(error)"), status: .badRequest)
        }
        guard messages.count == 1, let message = messages.first else {
            return errorResponse(
                nil,
                JSONRPCError(code: ErrorCode.invalidRequest, message: "send one message per POST; batches are not accepted"),
                status: .badRequest
            )
        }
        let sessionID = request.headers[.mcpSessionID]

        switch message {
        case .notification(let notification):
            if let sessionID, let session = session(sessionID, of: caller) {
                if notification.method == NotificationMethod.initialized { session.initialized.store(true, ordering: .relaxed) }
            }
            return Response(status: .accepted)
        case .response, .errorResponse:
            guard let sessionID, let session = session(sessionID, of: caller) else {
                return errorResponse(
                    nil,
                    JSONRPCError(code: ErrorCode.invalidRequest, message: "a response needs a known Mcp-Session-Id"),
                    status: .badRequest
                )
            }
            _ = session.answer(message)
            return Response(status: .accepted)
        case .request(let rpc):
            let modern = RequestMetadata(meta: rpc.params?.object("_meta")) != nil
            if modern, let mismatch = validateModernHeaders(request.headers, rpc) {
                return errorResponse(rpc.id, mismatch, status: .badRequest)
            }
            if let refusal = await admit(rpc) {
                var headers = refusal.headers
                headers[.contentType] = "application/json"
                let message = JSONRPCMessage.errorResponse(JSONRPCErrorResponse(id: rpc.id, error: refusal.error))
                return Response(status: refusal.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.encoded())))
            }
            if modern {
                return await answer(rpc, session: nil, caller: caller)
            }
            if rpc.method == Method.initialize {
                let session = HTTPLegacySession(id: Self.newSessionID(), owner: caller?.name, replayLimit: options.replayBufferSize)
                let response = await answer(rpc, session: session, caller: caller)
                if response.status == .ok {
                    sessions.withLock { $0[session.id] = session }
                    startForwarding(to: session)
                    var headers = response.headers
                    headers[.mcpSessionID] = session.id
                    return Response(status: response.status, headers: headers, body: response.body)
                }
                return response
            }
            if rpc.method == Method.discover {
                return await answer(rpc, session: nil, caller: caller)
            }
            guard let sessionID else {
                return errorResponse(
                    rpc.id,
                    JSONRPCError(code: ErrorCode.invalidRequest, message: "Bad Request: missing Mcp-Session-Id; send initialize first"),
                    status: .badRequest
                )
            }
            guard let session = session(sessionID, of: caller) else {
                return errorResponse(rpc.id, JSONRPCError(code: ErrorCode.invalidRequest, message: "unknown or expired session"), status: .notFound)
            }
            return await answer(rpc, session: session, caller: caller)
        }
    }

    /// Runs the handler and streams or returns its answer.
    func answer(_ rpc: JSONRPCRequest, session: HTTPLegacySession?, caller: (any CallerIdentity)?) async -> Response {
        let events = EventQueue<RequestEvent>()
        // A subscription is a stream by nature; it streams even when answers are otherwise JSON.
        let mode: ResponseMode = rpc.method == Method.subscriptionsListen ? .sse : options.responseMode
        let channel = HTTPRequestChannel(events: events, mode: mode, session: session)
        let server = self.server
        // The handler outlives this function when the answer streams: the response body
        // writer keeps reading its events, and cancels it if the client goes away.
        let handler = Task {
            let outcome = await server.handle(rpc, connection: session?.connection, channel: channel, caller: caller)
            events.push(.final(outcome))
            events.finish()
        }
        guard let first = await events.next() else {
            handler.cancel()
            return errorResponse(rpc.id, JSONRPCError(code: ErrorCode.internalError, message: "no answer"), status: .internalServerError)
        }
        if case .final(let outcome) = first, mode != .sse {
            return jsonResponse(rpc.id, outcome)
        }
        let headers = MCPHTTPEndpoint.eventStreamHeaders
        let id = rpc.id
        let keepAlive = options.keepAliveInterval
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                do {
                    var wake = EventQueue<RequestEvent>.Wake.element(first)
                    // A server shutting down ends its open streams (a subscription never ends
                    // on its own), so the shutdown does not wait for them.
                    try await withGracefulShutdownHandler {
                        while true {
                            switch wake {
                            case .element(.message(let message)):
                                try await writer.write(Self.sseEvent(message))
                            case .element(.final(let outcome)):
                                try await writer.write(Self.sseEvent(Self.reply(id, outcome)))
                            case .timedOut:
                                try await writer.write(Self.keepAliveComment)
                            case .finished:
                                return
                            }
                            wake = await events.next(within: keepAlive)
                        }
                    } onGracefulShutdown: {
                        events.finish()
                    }
                    handler.cancel()
                    try await writer.finish(nil)
                } catch {
                    // The client closed the stream: for a modern client that is cancellation.
                    handler.cancel()
                    throw error
                }
            }
        )
    }

    static func reply(_ id: MCPWire.RequestID, _ outcome: Result<JSONObject, ServerError>) -> JSONRPCMessage {
        switch outcome {
        case .success(let result): return .response(JSONRPCResponse(id: id, result: result))
        case .failure(let error): return .errorResponse(JSONRPCErrorResponse(id: id, error: error.error))
        }
    }

    func jsonResponse(_ id: MCPWire.RequestID, _ outcome: Result<JSONObject, ServerError>) -> Response {
        var status = HTTPResponse.Status.ok
        if case .failure(let error) = outcome { status = HTTPResponse.Status(code: error.httpStatus) }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.reply(id, outcome).encoded())))
    }

    func errorResponse(_ id: MCPWire.RequestID?, _ error: JSONRPCError, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let message = JSONRPCMessage.errorResponse(JSONRPCErrorResponse(id: id, error: error))
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.encoded())))
    }

    /// The headers of an event stream: not cached, and not buffered by a proxy (nginx).
    static let eventStreamHeaders: HTTPFields = {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.xAccelBuffering] = "no"
        return headers
    }()

    /// An SSE comment: clients ignore it; writing it shows whether the client is still there.
    static let keepAliveComment = ByteBuffer(string: ": keep-alive\n\n")

    static func sseEvent(_ message: JSONRPCMessage, id: Int? = nil) -> ByteBuffer {
        var bytes: [UInt8] = []
        if let id { bytes.append(contentsOf: "id: \(id)\n".utf8) }
        bytes.append(contentsOf: "event: message\ndata: ".utf8)
        message.encode(into: &bytes)
        bytes.append(contentsOf: "\n\n".utf8)
        return ByteBuffer(bytes: bytes)
    }

    // MARK: - GET and DELETE (legacy sessions)

    func get(_ request: Request, caller: (any CallerIdentity)? = nil) -> Response {
        if let refusal = checkOrigin(request) { return refusal }
        guard let sessionID = request.headers[.mcpSessionID] else {
            return Response(status: .methodNotAllowed)
        }
        guard let session = session(sessionID, of: caller) else { return Response(status: .notFound) }
        let lastEventID = request.headers[.lastEventID].flatMap(Int.init)
        let queue = session.openStandalone(after: lastEventID)
        let keepAlive = options.keepAliveInterval
        let headers = MCPHTTPEndpoint.eventStreamHeaders
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                defer { session.closeStandalone(queue) }
                // A comment first, so the client sees the stream is open.
                try await writer.write(ByteBuffer(string: ": stream open\n\n"))
                try await withGracefulShutdownHandler {
                    while true {
                        switch await queue.next(within: keepAlive) {
                        case .element(let event): try await writer.write(Self.sseEvent(event.message, id: event.id))
                        case .timedOut: try await writer.write(Self.keepAliveComment)
                        case .finished: return
                        }
                    }
                } onGracefulShutdown: {
                    queue.finish()
                }
                try await writer.finish(nil)
            }
        )
    }

    func delete(_ request: Request, caller: (any CallerIdentity)? = nil) -> Response {
        guard let sessionID = request.headers[.mcpSessionID] else { return Response(status: .methodNotAllowed) }
        let removed = sessions.withLock { sessions -> HTTPLegacySession? in
            guard let session = sessions[sessionID], session.owner == caller?.name else { return nil }
            return sessions.removeValue(forKey: sessionID)
        }
        guard let session = removed else { return Response(status: .notFound) }
        forwarders.withLock { $0.removeValue(forKey: sessionID) }?.cancel()
        session.terminate()
        return Response(status: .noContent)
    }

    // MARK: - Helpers

    /// The session `id` names, if `caller` opened it (a session id alone is not a credential).
    func session(_ id: String, of caller: (any CallerIdentity)?) -> HTTPLegacySession? {
        guard let session = sessions.withLock({ $0[id] }), session.owner == caller?.name else { return nil }
        return session
    }

    /// Forwards the server's changes to a legacy session's GET stream.
    func startForwarding(to session: HTTPLegacySession) {
        let changes = server.changeStream()
        // Lives as long as the session; cancelled by DELETE.
        let task = Task {
            for await change in changes {
                guard session.initialized.load(ordering: .relaxed) else { continue }
                if let uri = change.resourceURI, !session.connection.isSubscribed(to: uri) { continue }
                session.pushToStandalone(.notification(change.notification))
            }
        }
        forwarders.withLock { $0[session.id] = task }
    }

    static func newSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    /// Refuses requests from a browser page on another origin (DNS rebinding protection).
    func checkOrigin(_ request: Request) -> Response? {
        MCPServerHTTP.checkOrigin(request, options)
    }
}

/// A 403 for a request from a browser page on an origin `options` does not allow (DNS
/// rebinding protection); nil for requests without `Origin`, from localhost, or allowed.
func checkOrigin(_ request: Request, _ options: HTTPEndpointOptions) -> Response? {
    guard let origin = request.headers[.origin] else { return nil }
    if options.allowedOrigins.contains(origin) { return nil }
    if let url = origin.split(separator: "/").dropFirst().first {
        let host = url.split(separator: ":").first.map(String.init) ?? ""
        if ["localhost", "127.0.0.1", "[::1]"].contains(host) { return nil }
    }
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    let message = JSONRPCMessage.errorResponse(
        JSONRPCErrorResponse(id: nil, error: JSONRPCError(code: ErrorCode.invalidRequest, message: "origin \(origin) is not allowed"))
    )
    return Response(status: .forbidden, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.encoded())))
}

extension HTTPField.Name {
    static let mcpSessionID = Self("Mcp-Session-Id")!
    static let mcpProtocolVersion = Self("MCP-Protocol-Version")!
    static let mcpMethod = Self("Mcp-Method")!
    static let mcpName = Self("Mcp-Name")!
    static let lastEventID = Self("Last-Event-ID")!
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}
