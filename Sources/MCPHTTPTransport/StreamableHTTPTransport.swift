import AsyncHTTPClient
import JSONCore
public import MCPTransport
public import MCPWire
import NIOCore
import NIOHTTP1
import Synchronization

/// The Streamable HTTP transport of revisions 2025-03-26 to 2026-07-28.
///
/// Each message is its own POST. A request's answer comes back as one JSON body or as an
/// SSE stream carrying notifications and then the response; both are read here and each
/// message is handed to the receiver as it arrives. Closing a request's stream
/// (``abandon(_:)``) is how a modern client cancels it.
///
/// For legacy sessions it also keeps the `Mcp-Session-Id` (echoing it, reporting a 404 as
/// an expired session, sending DELETE on close) and opens the GET stream for
/// server-initiated messages, reconnecting with `Last-Event-ID`.
public final class StreamableHTTPTransport: Transport {
    public var kind: TransportKind { .streamableHTTP }
    public let url: String
    public let options: HTTPOptions
    let client: HTTPClient

    private struct State {
        var inbound: (any TransportInbound)?
        var sessionID: String?
        var protocolVersion: ProtocolVersion?
        var requests: [RequestID: HTTPClient.Task<Void>] = [:]
        /// Requests refused for their credentials, waiting for them to be renewed to be sent
        /// again; ``abandon(_:)`` removes an id, and the request is then not sent again.
        var renewing: Set<RequestID> = []
        var eventStream: Task<Void, Never>?
        var closed = false
    }
    private let state = Mutex(State())

    /// - Throws: ``TransportError/Code/invalidEndpoint`` unless `url` is an http(s) URL.
    public init(url: String, options: HTTPOptions = HTTPOptions()) throws(TransportError) {
        guard HTTPURL(url) != nil else {
            throw TransportError(.invalidEndpoint, "'\(url)' is not an http:// or https:// URL")
        }
        self.url = url
        self.options = options
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .nanoseconds(
            Int64(options.connectTimeout.components.seconds) * 1_000_000_000 + options.connectTimeout.components.attoseconds / 1_000_000_000
        )
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        configuration.decompression = .disabled
        // A refused connection is an answer: report it now instead of retrying until the
        // connect timeout, so an unreachable server fails fast.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.eventLoop = HTTPClient.defaultEventLoopGroup.next()
        self.executor = EventLoopTaskExecutor(eventLoop)
    }

    /// The event loop every request of this transport runs on; its connections stay there too.
    let eventLoop: any EventLoop
    let executor: EventLoopTaskExecutor

    /// The event loop, as an executor: tasks that prefer it send requests and handle their
    /// answers on one thread (see ``Transport/preferredTaskExecutor``).
    public var preferredTaskExecutor: (any TaskExecutor)? { executor }

    /// The legacy session id, once the server has assigned one.
    public var sessionID: String? { state.withLock { $0.sessionID } }

    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        state.withLock { $0.inbound = inbound }
    }

    /// How many times one request is sent again after its credentials were renewed. A backstop:
    /// the authorization bounds itself first (an OAuth sign-in allows three renewals, each a
    /// refresh, a sign-in or a step-up), and this bounds one that does not.
    static let maximumRenewals = 6

    func baseHeaders(version: ProtocolVersion?, sessionID: String?) -> HTTPHeaders {
        var headers = options.httpHeaders
        if let version, version.usesProtocolVersionHeader { headers.replaceOrAdd(name: "MCP-Protocol-Version", value: version.rawValue) }
        if let sessionID { headers.replaceOrAdd(name: "Mcp-Session-Id", value: sessionID) }
        return headers
    }

    func postHeaders(for message: OutboundMessage, sessionID: String?) -> HTTPHeaders {
        var headers = baseHeaders(version: message.protocolVersion, sessionID: sessionID)
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Accept", value: "application/json, text/event-stream")
        if let version = message.protocolVersion, version.era == .modern, let method = message.message.method {
            headers.replaceOrAdd(name: "Mcp-Method", value: method)
            if method == Method.toolsCall || method == Method.promptsGet, let name = message.message.params?.string("name") {
                headers.replaceOrAdd(name: "Mcp-Name", value: HeaderParameters.encode(name))
            } else if method == Method.resourcesRead, let uri = message.message.params?.string("uri") {
                headers.replaceOrAdd(name: "Mcp-Name", value: HeaderParameters.encode(uri))
            }
        }
        for (name, value) in message.headers { headers.replaceOrAdd(name: name, value: value) }
        return headers
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        try await send(message, renewals: 0)
    }

    private func send(_ message: OutboundMessage, renewals: Int) async throws(TransportError) {
        let (sessionID, closed) = state.withLock { state -> (String?, Bool) in
            if let version = message.protocolVersion { state.protocolVersion = version }
            return (state.sessionID, state.closed)
        }
        guard !closed else { throw TransportError(.closed, "the HTTP transport is closed", messageNotSent: true) }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = postHeaders(for: message, sessionID: sessionID)
        let authorization = options.dynamicAuthorization
        let sent = try await authorization?.header()
        if let sent { request.headers.replaceOrAdd(name: "Authorization", value: sent) }
        request.body = .bytes(ByteBuffer(bytes: message.message.encoded()))

        guard case .request(let rpc) = message.message else {
            let refusal = try await postOneWay(
                request,
                isInitialized: message.message.method == NotificationMethod.initialized,
                renewable: authorization != nil && renewals < Self.maximumRenewals
            )
            if let refusal, let authorization {
                guard try await authorization.recover(refusal.authorizationRefusal(sent: sent, renewals: renewals)) else {
                    throw refusal.failure
                }
                try await send(message, renewals: renewals + 1)
            }
            return
        }
        guard let inbound = state.withLock({ $0.inbound }) else {
            throw TransportError(.closed, "the HTTP transport is not started", messageNotSent: true)
        }
        let post: HTTPClient.Request
        do {
            post = try HTTPClient.Request(
                url: url,
                method: .POST,
                headers: request.headers,
                body: .bytes(message.message.encoded())
            )
        } catch {
            throw TransportError(.invalidEndpoint, "cannot build a request for \(url): \(error)")
        }
        let delegate = HTTPExchangeDelegate(
            context: .init(
                id: rpc.id,
                method: rpc.method,
                url: url,
                maximumMessageBytes: options.maximumMessageBytes,
                hadSession: sessionID != nil,
                renewable: authorization != nil && renewals < Self.maximumRenewals
            ),
            inbound: inbound,
            sessionEvents: { [weak self] assigned, expired in
                self?.state.withLock { state in
                    if let assigned { state.sessionID = assigned }
                    if expired { state.sessionID = nil }
                }
            },
            refused: { [weak self] refusal in
                guard let self, let authorization else { return }
                guard self.state.withLock({ state in state.closed ? false : state.renewing.insert(rpc.id).inserted }) else { return }
                // The delegate runs on the event loop and cannot wait for the credentials to be
                // renewed (a round trip to the authorization server, maybe shared with other
                // requests). The task stands for the request until it is sent again or fails;
                // abandon(_:) and close() take its id out of `renewing`, and it then stops.
                Task { await self.sendAgain(message, id: rpc.id, after: refusal, sent: sent, authorization, renewals: renewals) }
            }
        )
        // The answer is read on the event loop by the delegate, which hands each message to the
        // receiver as it completes. The task is kept by id so the session can abandon it.
        let task = client.execute(request: post, delegate: delegate, eventLoop: .delegateAndChannel(on: eventLoop))
        state.withLock { $0.requests[rpc.id] = task }
        task.futureResult.whenComplete { [weak self] _ in
            self?.state.withLock { state in
                // A request sent again has a new task under the same id: leave that one.
                if state.requests[rpc.id] === task { state.requests.removeValue(forKey: rpc.id) }
            }
        }
    }

    /// Renews the credentials a request was refused for and sends it again, unless the
    /// authorization declines (the refusal then stands) or the request was abandoned meanwhile.
    private func sendAgain(
        _ message: OutboundMessage,
        id: RequestID,
        after refusal: HTTPExchangeDelegate.Refusal,
        sent: String?,
        _ authorization: any HTTPAuthorization,
        renewals: Int
    ) async {
        do throws(TransportError) {
            let renewed = try await authorization.recover(refusal.authorizationRefusal(sent: sent, renewals: renewals))
            guard state.withLock({ $0.renewing.remove(id) != nil }) else { return }
            guard renewed else { throw refusal.failure }
            try await send(message, renewals: renewals + 1)
        } catch {
            let inbound = state.withLock { state -> (any TransportInbound)? in
                state.renewing.remove(id)
                return state.inbound
            }
            inbound?.requestFailed(id, error)
        }
    }

    /// POSTs a notification or a response; the server answers 202 with no body. Returns the
    /// refusal when the server refused the credentials and `renewable` says they may be renewed.
    private func postOneWay(
        _ request: HTTPClientRequest,
        isInitialized: Bool,
        renewable: Bool
    ) async throws(TransportError) -> HTTPExchangeDelegate.Refusal? {
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 1 << 20)
            if renewable, status == 401 || status == 403 {
                return HTTPExchangeDelegate.Refusal(
                    status: status,
                    challenges: response.headers["WWW-Authenticate"],
                    failure: HTTPExchangeDelegate.refusalError(status: status, url: url, body: "")
                )
            }
            if status == 404, state.withLock({ $0.sessionID }) != nil {
                state.withLock { $0.sessionID = nil }
                throw TransportError(.sessionExpired, "the server no longer knows this session (HTTP 404)", httpStatus: 404)
            }
            guard (200..<300).contains(status) else {
                throw TransportError(.httpStatus, "the server refused a notification with HTTP \(status)", httpStatus: status)
            }
            if isInitialized { await openEventStreamIfWanted() }
            return nil
        } catch let error as TransportError {
            throw error
        } catch {
            throw HTTPFailure.transportError(error, url: url)
        }
    }

    /// Opens the legacy GET stream and waits (briefly) until the server has answered it, so
    /// that what the server pushes right after the handshake (some servers send request
    /// progress there) is not lost to a stream that is still connecting.
    private func openEventStreamIfWanted() async {
        guard options.openEventStream else { return }
        let opened = ContinuationSlot<Void>()
        let started = state.withLock { state -> Bool in
            guard state.eventStream == nil, !state.closed, state.sessionID != nil else { return false }
            // The GET stream lives as long as the session; close() cancels it.
            state.eventStream = Task { [self] in await self.runEventStream(opened: opened) }
            return true
        }
        guard started else { return }
        // Bounded: a server that never answers the GET must not hold up the session.
        _ = try? await opened.wait(atMost: .seconds(2)) { .success(()) }
    }

    /// The legacy GET stream: server-initiated requests and notifications, reconnected
    /// after drops with `Last-Event-ID`, until the server refuses it (405) or forgets the session.
    private func runEventStream(opened: ContinuationSlot<Void>) async {
        defer { opened.resume(returning: ()) }
        var lastEventID: String?
        var delay = options.reconnectDelay
        while !Task.isCancelled {
            let (inbound, version, session) = state.withLock { ($0.inbound, $0.protocolVersion, $0.sessionID) }
            guard let inbound, let session else { return }
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            request.headers = baseHeaders(version: version, sessionID: session)
            request.headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
            if let authorization = options.dynamicAuthorization, let value = try? await authorization.header() {
                request.headers.replaceOrAdd(name: "Authorization", value: value)
            }
            if let lastEventID { request.headers.replaceOrAdd(name: "Last-Event-ID", value: lastEventID) }
            do {
                let response = try await client.execute(request, timeout: .hours(24 * 365))
                opened.resume(returning: ())
                switch response.status.code {
                case 200:
                    var parser = SSEParser(maximumLineBytes: options.maximumMessageBytes)
                    for try await chunk in response.body {
                        for event in parser.feed(chunk.readableBytesView) where !event.data.isEmpty {
                            var data = event.data
                            do {
                                for message in try data.withUTF8({ try JSONRPCMessage.decodeFrame($0) }) { inbound.receive(message) }
                            } catch {
                                inbound.receiveMalformed(TransportError(.malformedMessage, "unreadable SSE event: \(error)"))
                            }
                        }
                        lastEventID = parser.lastEventID ?? lastEventID
                    }
                    if let retry = parser.reconnectionDelay { delay = .milliseconds(retry) }
                case 405, 404, 400, 401, 403:
                    return  // no stream offered, the session is gone, or not allowed
                default:
                    break
                }
            } catch {
                if Task.isCancelled { return }
            }
            // Waiting before reconnecting, as SSE prescribes; cancelled by close().
            try? await Task.sleep(for: delay)
        }
    }

    public func abandon(_ id: RequestID) {
        let task = state.withLock { state in
            state.renewing.remove(id)
            return state.requests.removeValue(forKey: id)
        }
        task?.cancel()
    }

    public func close() async {
        let (tasks, eventStream, session, version, inbound, wasOpen) = state.withLock { state in
            // Closed, it lets go of its receiver: a closed session and transport free each other.
            defer {
                state.closed = true
                state.requests.removeAll()
                state.renewing.removeAll()
                state.eventStream = nil
                state.inbound = nil
            }
            return (Array(state.requests.values), state.eventStream, state.sessionID, state.protocolVersion, state.inbound, !state.closed)
        }
        guard wasOpen else { return }
        for task in tasks { task.cancel() }
        eventStream?.cancel()
        if let session {
            // Tell the server the legacy session is over; a 405 just means it keeps no sessions.
            var request = HTTPClientRequest(url: url)
            request.method = .DELETE
            request.headers = baseHeaders(version: version, sessionID: session)
            if let authorization = options.dynamicAuthorization, let value = try? await authorization.header() {
                request.headers.replaceOrAdd(name: "Authorization", value: value)
            }
            _ = try? await client.execute(request, timeout: .seconds(5))
        }
        for task in tasks { _ = try? await task.futureResult.get() }
        await eventStream?.value
        try? await client.shutdown()
        inbound?.closed(nil)
    }
}
