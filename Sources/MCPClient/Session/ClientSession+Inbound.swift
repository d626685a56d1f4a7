import JSONCore
import JSONSchema
import Logging
public import MCPTransport
public import MCPWire
import Synchronization

extension ClientSession: TransportInbound {
    public func receive(_ message: JSONRPCMessage) {
        switch message {
        case .response(let response):
            complete(response.id, .result(response.result))
        case .errorResponse(let response):
            if let id = response.id {
                complete(id, .error(response.error))
            } else {
                logger.warning("server sent an error with no id", metadata: ["error": "\(response.error)"])
            }
        case .notification(let notification):
            handleNotification(notification)
        case .request(let request):
            startServerRequest(request)
        }
    }

    public func receiveMalformed(_ error: TransportError) {
        state.withLock { $0.malformedMessages += 1 }
        logger.warning("unreadable message from server", metadata: ["error": "\(error.message)"])
        publish(event: .malformedMessage(error))
    }

    public func requestFailed(_ id: RequestID, _ error: TransportError) {
        let method = state.withLock { $0.requests.method(of: id) } ?? "request \(id)"
        complete(id, .failure(MCPError(transport: error, while: method)))
    }

    public func closed(_ error: TransportError?) {
        // Closed by the other side (a process that exited, a stream that ended): the session
        // is over too, for everyone waiting on it and everyone who asks later.
        let failure =
            error.map { MCPError(transport: $0, while: "the connection") }
            ?? MCPError(.transportClosed, "the connection was closed by the server")
        end(failure)
    }

    public func connectionLost(_ error: TransportError) {
        let failure = MCPError(transport: error, while: "the connection")
        // A restarted legacy server knows nothing of our handshake: the state asks for it
        // again before the next request. Modern servers need nothing.
        let resumes = state.withLock { $0.connectionLost(failure) }
        for resume in resumes { resume.continuation.resume(returning: resume.outcome) }
        toolCatalog.invalidate()
        if let chain {
            let name = serverName
            for interceptor in chain.interceptors { interceptor.connectionLost(server: name) }
        }
        publish(event: .connectionLost(failure))
    }

    private func complete(_ id: RequestID, _ outcome: RequestOutcome) {
        let (known, resume) = state.withLock { $0.requests.complete(id, outcome) }
        if let resume {
            resume.continuation.resume(returning: resume.outcome)
        } else if !known {
            // A late answer to a request that timed out or was cancelled: nothing waits for it.
            logger.debug("ignoring response to unknown request", metadata: ["id": "\(id)"])
        }
    }

    private func handleNotification(_ notification: JSONRPCNotification) {
        let typed = ServerNotification(notification)
        switch typed {
        case .progress(let progress):
            if let callback = state.withLock({ $0.requests.progress(progress.progressToken, now: .now) }) {
                callback(progress)
            }
        case .cancelled(let cancelled):
            state.withLock { $0.serverRequests[cancelled.requestId] }?.cancel()
        case .toolsListChanged:
            toolCatalog.invalidate()
        default:
            break
        }
        if let chain {
            let name = serverName
            for interceptor in chain.interceptors { interceptor.didReceive(typed, server: name) }
        }
        publish(typed)
    }

    // MARK: - Fan-out of notifications and events

    /// A stream of the server's notifications, from now on.
    ///
    /// Each call makes a new, independent stream. If a reader falls behind by more than
    /// ``ClientConfiguration/notificationBufferSize`` notifications, the oldest are dropped
    /// (and a ``SessionEvent/notificationsDropped(count:)`` event says so), so a slow reader
    /// never makes memory grow without bound. The stream finishes when the session ends, and
    /// one asked for after that is finished already.
    public func notifications() -> AsyncStream<ServerNotification> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ServerNotification.self,
            bufferingPolicy: .bufferingNewest(configuration.notificationBufferSize)
        )
        subscribe(.notifications(continuation)) { _ in continuation.finish() }
        return stream
    }

    /// A stream of things that happen to the session itself (unreadable messages, lost
    /// connections, closing). It ends with ``SessionEvent/closed(_:)`` when the session ends;
    /// one asked for after that gets that event and finishes at once.
    public func events() -> AsyncStream<SessionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .bufferingNewest(256))
        subscribe(.events(continuation)) { error in
            continuation.yield(.closed(error))
            continuation.finish()
        }
        return stream
    }

    /// Registers `subscriber`, or finishes it at once if the session has ended.
    private func subscribe(_ subscriber: Subscriber, finished: (MCPError?) -> Void) {
        switch state.withLock({ $0.subscribe(subscriber) }) {
        case .registered(let key):
            switch subscriber {
            case .notifications(let continuation):
                continuation.onTermination = { [weak self] _ in self?.state.withLock { $0.unsubscribe(key) } }
            case .events(let continuation):
                continuation.onTermination = { [weak self] _ in self?.state.withLock { $0.unsubscribe(key) } }
            }
        case .finishNow(let endedBy):
            finished(endedBy)
        }
    }

    func publish(_ notification: ServerNotification) {
        var dropped = 0
        for subscriber in state.withLock({ $0.currentSubscribers }) {
            guard case .notifications(let continuation) = subscriber else { continue }
            if case .dropped = continuation.yield(notification) { dropped += 1 }
        }
        if dropped > 0 { publish(event: .notificationsDropped(count: dropped)) }
    }

    func publish(event: SessionEvent) {
        for subscriber in state.withLock({ $0.currentSubscribers }) {
            guard case .events(let continuation) = subscriber else { continue }
            continuation.yield(event)
        }
    }

    // MARK: - Requests from the server (legacy revisions)

    private func startServerRequest(_ request: JSONRPCRequest) {
        state.withLock { state in
            guard !state.isEnded else { return }
            // The reader must not wait for a handler (a person may be answering an
            // elicitation), so each server request runs in a task of its own, tracked so a
            // `notifications/cancelled` or closing the session can cancel it.
            state.serverRequests[request.id] = Task { [weak self] in
                guard let self else { return }
                let reply = await self.answer(request)
                try? await self.transport.send(
                    OutboundMessage(reply, protocolVersion: self.negotiation?.protocolVersion)
                )
                _ = self.state.withLock { $0.serverRequests.removeValue(forKey: request.id) }
            }
        }
    }

    private func answer(_ request: JSONRPCRequest) async -> JSONRPCMessage {
        do {
            let result = try await fulfil(InputRequest(uncheckedJSON: request.asInputRequestJSON))
            return .response(JSONRPCResponse(id: request.id, result: result))
        } catch let error as RPCRefusal {
            return .errorResponse(JSONRPCErrorResponse(id: request.id, error: error.error))
        } catch is CancellationError {
            return .errorResponse(
                JSONRPCErrorResponse(id: request.id, error: JSONRPCError(code: ErrorCode.internalError, message: "request cancelled"))
            )
        } catch {
            return .errorResponse(
                JSONRPCErrorResponse(id: request.id, error: JSONRPCError(code: ErrorCode.internalError, message: "\(error)"))
            )
        }
    }

    /// Answers one server-to-client request with the user's handlers; shared by pushed
    /// requests and `input_required` rounds.
    func fulfil(_ request: InputRequest) async throws -> JSONObject {
        let handlers = configuration.handlers
        switch request.kind {
        case .elicitation(let params):
            guard let handler = handlers.elicitation else {
                throw RPCRefusal(JSONRPCError(code: ErrorCode.methodNotFound, message: "this client does not support elicitation"))
            }
            return try await handler(params).json
        case .sampling(let params):
            guard let handler = handlers.sampling else {
                throw RPCRefusal(JSONRPCError(code: ErrorCode.methodNotFound, message: "this client does not support sampling"))
            }
            return try await handler(params).json
        case .listRoots:
            guard let handler = handlers.roots else {
                throw RPCRefusal(JSONRPCError(code: ErrorCode.methodNotFound, message: "this client does not provide roots"))
            }
            return ListRootsResult(roots: try await handler()).json
        case .other(let method):
            if method == Method.ping { return [:] }
            throw RPCRefusal(JSONRPCError(code: ErrorCode.methodNotFound, message: "method not found: \(method)"))
        }
    }
}

/// A server request this client declines, with the JSON-RPC error to send back.
struct RPCRefusal: Error {
    let error: JSONRPCError
    init(_ error: JSONRPCError) { self.error = error }
}

extension JSONRPCRequest {
    /// `{"method", "params"}`, the shape of an input request.
    var asInputRequestJSON: JSONObject {
        var object: JSONObject = ["method": .string(method)]
        if let params { object["params"] = .object(params) }
        return object
    }
}
