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
        malformedCount.add(1, ordering: .relaxed)
        logger.warning("unreadable message from server", metadata: ["error": "\(error.message)"])
        publish(event: .malformedMessage(error))
    }

    public func requestFailed(_ id: RequestID, _ error: TransportError) {
        let method = pending.withLock { $0.method(of: id) } ?? "request \(id)"
        complete(id, .failure(MCPError(transport: error, while: method)))
    }

    public func closed(_ error: TransportError?) {
        let failure = error.map { MCPError(transport: $0, while: "the connection") }
            ?? MCPError(.transportClosed, "the connection was closed")
        failAll(failure)
        finishStreams(closedBy: error == nil ? nil : failure)
    }

    public func connectionLost(_ error: TransportError) {
        let failure = MCPError(transport: error, while: "the connection")
        let resumes = pending.withLock { $0.abortAll(failure) }
        for resume in resumes { resume.continuation.resume(returning: resume.outcome) }
        // A restarted legacy server knows nothing of our handshake: do it again before the
        // next request. Modern servers need nothing.
        if negotiation?.era == .legacy { handshakeNeeded.store(true, ordering: .releasing) }
        toolCatalog.invalidate()
        if let chain {
            let name = serverName
            for interceptor in chain.interceptors { interceptor.connectionLost(server: name) }
        }
        publish(event: .connectionLost(failure))
    }

    private func complete(_ id: RequestID, _ outcome: RequestOutcome) {
        let (known, resume) = pending.withLock { $0.complete(id, outcome) }
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
            if let callback = pending.withLock({ $0.progress(progress.progressToken, now: .now) }) {
                callback(progress)
            }
        case .cancelled(let cancelled):
            let task = serverRequestTasks.withLock { $0[cancelled.requestId] }
            task?.cancel()
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
    /// never makes memory grow without bound.
    public func notifications() -> AsyncStream<ServerNotification> {
        let key = subscriberCounter.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: ServerNotification.self,
            bufferingPolicy: .bufferingNewest(configuration.notificationBufferSize)
        )
        continuation.onTermination = { [weak self] _ in
            _ = self?.notificationSubscribers.withLock { $0.removeValue(forKey: key) }
        }
        let closed = lifecycle.withLock { $0.closed }
        if closed {
            continuation.finish()
        } else {
            notificationSubscribers.withLock { $0[key] = continuation }
        }
        return stream
    }

    /// A stream of things that happen to the session itself (unreadable messages, closing).
    public func events() -> AsyncStream<SessionEvent> {
        let key = subscriberCounter.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in
            _ = self?.eventSubscribers.withLock { $0.removeValue(forKey: key) }
        }
        eventSubscribers.withLock { $0[key] = continuation }
        return stream
    }

    func publish(_ notification: ServerNotification) {
        let subscribers = notificationSubscribers.withLock { Array($0.values) }
        var dropped = 0
        for subscriber in subscribers {
            if case .dropped = subscriber.yield(notification) { dropped += 1 }
        }
        if dropped > 0 { publish(event: .notificationsDropped(count: dropped)) }
    }

    func publish(event: SessionEvent) {
        for subscriber in eventSubscribers.withLock({ Array($0.values) }) { subscriber.yield(event) }
    }

    func finishStreams(closedBy error: MCPError?) {
        publish(event: .closed(error))
        let notifications = notificationSubscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for subscriber in notifications { subscriber.finish() }
        let events = eventSubscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for subscriber in events { subscriber.finish() }
    }

    // MARK: - Requests from the server (legacy revisions)

    private func startServerRequest(_ request: JSONRPCRequest) {
        serverRequestTasks.withLock { tasks in
            // The reader must not wait for a handler (a person may be answering an
            // elicitation), so each server request runs in a task of its own, tracked so a
            // `notifications/cancelled` or closing the session can cancel it.
            tasks[request.id] = Task { [weak self] in
                guard let self else { return }
                let reply = await self.answer(request)
                try? await self.transport.send(
                    OutboundMessage(reply, protocolVersion: self.negotiation?.protocolVersion)
                )
                _ = self.serverRequestTasks.withLock { $0.removeValue(forKey: request.id) }
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
            return .errorResponse(JSONRPCErrorResponse(id: request.id, error: JSONRPCError(code: ErrorCode.internalError, message: "request cancelled")))
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
