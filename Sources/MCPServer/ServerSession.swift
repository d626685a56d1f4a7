import JSONCore
public import MCPTransport
public import MCPWire
import Synchronization

/// One client connection to a ``Server`` over a message transport (stdio, in-memory).
///
/// Requests run concurrently, each in its own task, so a slow tool never blocks others;
/// `notifications/cancelled` cancels the task and no response is sent for it. The connection
/// serves both eras at once: `initialize` fixes legacy state for this connection, while
/// requests that carry modern `_meta` are served statelessly.
public final class ServerSession: Sendable {
    public let server: Server
    public let transport: any Transport
    let connection = LegacyConnection()
    let tasks = Mutex<[RequestID: Task<Void, Never>]>([:])
    let outgoing = Mutex(OutgoingRequests<CheckedContinuation<JSONObject, any Error>>())
    let outgoingCounter = Atomic<Int>(0)
    let finished = ContinuationSlot<Void>()
    let legacyInitialized = Atomic<Bool>(false)

    /// Who is at the other end, as handlers see it (``RequestContext/caller``); nil when the
    /// transport does not say.
    let caller: (any CallerIdentity)?

    public init(server: Server, transport: any Transport, caller: (any CallerIdentity)? = nil) {
        self.server = server
        self.transport = transport
        self.caller = caller
    }

    /// Serves until the client disconnects (or ``close()`` is called).
    public func run() async throws {
        try await transport.start(self)
        let changes = server.changes.subscribe()
        // Legacy clients get list changes and resource updates pushed unasked; this task
        // forwards them for the life of the connection.
        let forwarder = Task { [weak self] in
            for await change in changes {
                guard let self else { return }
                await self.pushLegacy(change)
            }
        }
        defer { forwarder.cancel() }
        _ = try? await finished.wait()
        for task in tasks.withLock({ Array($0.values) }) { task.cancel() }
    }

    /// Closes the connection.
    public func close() async {
        await transport.close()
    }

    private func pushLegacy(_ change: ServerChange) async {
        guard legacyInitialized.load(ordering: .relaxed) else { return }
        if case .resourceUpdated(let uri) = change, !connection.isSubscribed(to: uri) { return }
        try? await transport.send(OutboundMessage(.notification(change.notification), protocolVersion: connection.version))
    }

    func startRequest(_ request: JSONRPCRequest) {
        tasks.withLock { running in
            // Each request runs on its own so that slow handlers (a sleeping tool, an
            // elicitation waiting for a person) never hold up the connection's reader.
            running[request.id] = Task { [self] in
                let outcome = await server.handle(request, connection: connection, channel: SessionChannel(session: self), caller: caller)
                _ = tasks.withLock { $0.removeValue(forKey: request.id) }
                // A cancelled request gets no response, as the specification requires.
                if Task.isCancelled { return }
                let reply: JSONRPCMessage
                switch outcome {
                case .success(let result): reply = .response(JSONRPCResponse(id: request.id, result: result))
                case .failure(let error): reply = .errorResponse(JSONRPCErrorResponse(id: request.id, error: error.error))
                }
                try? await transport.send(OutboundMessage(reply, protocolVersion: connection.version))
            }
        }
    }

    /// Sends a request to the client and waits for the answer (legacy elicitation, sampling, roots).
    func requestFromClient(method: String, params: JSONObject?) async throws -> JSONObject {
        let id = RequestID.string("s-\(outgoingCounter.add(1, ordering: .relaxed).newValue)")
        // Registered before it is sent, so an answer or a cancellation that comes first is kept.
        guard outgoing.withLock({ $0.register(id) }) else { throw TransportError(.closed, "the connection is closed") }
        do {
            try await transport.send(
                OutboundMessage(.request(JSONRPCRequest(id: id, method: method, params: params)), protocolVersion: connection.version)
            )
        } catch {
            outgoing.withLock { $0.remove(id) }
            throw error
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if let ready = outgoing.withLock({ $0.attach(id, continuation) }) { continuation.resume(with: ready) }
            }
        } onCancel: {
            outgoing.withLock { $0.finish(id, .failure(CancellationError())) }?.resume(throwing: CancellationError())
        }
    }
}

extension ServerSession: TransportInbound {
    public func receive(_ message: JSONRPCMessage) {
        switch message {
        case .request(let request):
            startRequest(request)
        case .notification(let notification):
            switch notification.method {
            case NotificationMethod.initialized:
                legacyInitialized.store(true, ordering: .relaxed)
            case NotificationMethod.cancelled:
                if let id = notification.params?["requestId"].flatMap(RequestID.init) {
                    tasks.withLock { $0[id] }?.cancel()
                }
            default:
                break
            }
        case .response(let response):
            outgoing.withLock { $0.finish(response.id, .success(response.result)) }?.resume(returning: response.result)
        case .errorResponse(let response):
            if let id = response.id {
                let error = ServerError(code: response.error.code, message: response.error.message)
                outgoing.withLock { $0.finish(id, .failure(error)) }?.resume(throwing: error)
            }
        }
    }

    public func receiveMalformed(_ error: TransportError) {
        // JSON-RPC asks for a parse error reply with a null id.
        let reply = JSONRPCMessage.errorResponse(
            JSONRPCErrorResponse(id: nil, error: JSONRPCError(code: ErrorCode.parseError, message: error.message))
        )
        Task { try? await transport.send(OutboundMessage(reply)) }
    }

    public func requestFailed(_ id: RequestID, _ error: TransportError) {}

    public func connectionLost(_ error: TransportError) {
        closed(error)
    }

    public func closed(_ error: TransportError?) {
        let failure: any Error = error ?? TransportError(.closed, "the connection is closed")
        let waiting = outgoing.withLock { $0.close(failure) }
        for continuation in waiting { continuation.resume(throwing: failure) }
        finished.resume(returning: ())
    }
}

/// Sends a request's side traffic on the session's transport.
struct SessionChannel: RequestChannel {
    let session: ServerSession

    func notify(_ notification: JSONRPCNotification) async {
        try? await session.transport.send(OutboundMessage(.notification(notification), protocolVersion: session.connection.version))
    }

    func requestFromClient(method: String, params: JSONObject?) async throws -> JSONObject {
        try await session.requestFromClient(method: method, params: params)
    }
}
