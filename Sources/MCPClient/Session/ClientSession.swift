package import JSONCore
import JSONSchema
import Logging
public import MCPTransport
public import MCPWire
import Synchronization

/// A connection to one MCP server, in whichever protocol era the server speaks.
///
/// Many requests may be in flight at once. Each is registered in a table guarded by one
/// short lock, written by the caller's own task, and resumed directly by the connection's
/// reader when its response arrives: no actor hops and no per-request tasks or timers on
/// the hot path. Deadlines, progress, cancellation, pagination, server-to-client requests
/// (pushed or `input_required`) and notifications are handled here; the typed API is in
/// `ClientSession+API.swift`.
///
/// ```swift
/// try await ClientSession.withSession(transport: StdioTransport(.init(command: "my-server"))) { session in
///     let result = try await session.callTool("add", arguments: ["a": 2, "b": 3])
///     print(result.text)
/// }
/// ```
public final class ClientSession: Sendable {
    /// The outcome of version negotiation.
    public struct Negotiation: Sendable {
        public var protocolVersion: ProtocolVersion
        public var era: ProtocolEra { protocolVersion.era }
        public var serverInfo: Implementation?
        public var capabilities: ServerCapabilities
        public var instructions: String?
        /// The versions a modern server listed in `server/discover`.
        public var supportedVersions: [ProtocolVersion]
        /// The `_meta` every modern request carries, built once.
        var requestMeta: JSONObject

        package init(
            protocolVersion: ProtocolVersion,
            serverInfo: Implementation?,
            capabilities: ServerCapabilities,
            instructions: String?,
            supportedVersions: [ProtocolVersion],
            requestMeta: JSONObject = [:]
        ) {
            self.protocolVersion = protocolVersion
            self.serverInfo = serverInfo
            self.capabilities = capabilities
            self.instructions = instructions
            self.supportedVersions = supportedVersions
            self.requestMeta = requestMeta
        }
    }

    public let transport: any Transport
    public let configuration: ClientConfiguration
    let logger: Logger
    /// Everything that changes while the session runs: one state machine behind one lock.
    let state = Mutex(SessionStateMachine<UnsafeContinuation<RequestOutcome, Never>, Subscriber>())
    let nextID = Atomic<Int>(0)
    let timer = DeadlineTimer()
    let toolCatalog = ToolCatalog()
    let reinitialization = Reinitialization()
    /// Whose credentials this session's requests carry, for caches (`cacheScope: private`).
    public let authorizationContext: String
    private static let sessionCounter = Atomic<Int>(0)

    /// A reader of the session's notifications or events.
    enum Subscriber {
        case notifications(AsyncStream<ServerNotification>.Continuation)
        case events(AsyncStream<SessionEvent>.Continuation)
    }

    /// The interceptors around every request, with the step that sends to the server last;
    /// `nil` when there are none (then requests go straight out).
    let chain: InterceptorChain?

    /// Creates a session over `transport`. Call ``start()`` (or use ``connect(transport:configuration:)``).
    public init(transport: any Transport, configuration: ClientConfiguration = ClientConfiguration()) {
        self.transport = transport
        self.configuration = configuration
        self.logger = configuration.logger
        // Without a named context, each session is its own: private results are never shared.
        self.authorizationContext = configuration.authorizationContext ?? "session-\(Self.sessionCounter.add(1, ordering: .relaxed).newValue)"
        chain = configuration.interceptors.isEmpty ? nil : InterceptorChain(sessionInterceptors: configuration.interceptors)
    }

    /// The name of this server in metrics, caches and traces.
    public var serverName: String { configuration.serverName ?? serverInfo?.name ?? "server" }

    /// Connects, negotiates a protocol version, and returns the ready session.
    public static func connect(
        transport: any Transport,
        configuration: ClientConfiguration = ClientConfiguration()
    ) async throws(MCPError) -> ClientSession {
        let session = ClientSession(transport: transport, configuration: configuration)
        do {
            try await session.start()
        } catch {
            await session.close()
            throw error
        }
        return session
    }

    /// Runs `body` with a connected session and closes it afterwards, however `body` ends.
    public static func withSession<Result: Sendable>(
        transport: any Transport,
        configuration: ClientConfiguration = ClientConfiguration(),
        _ body: (ClientSession) async throws -> Result
    ) async throws -> Result {
        let session = try await connect(transport: transport, configuration: configuration)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// Starts the transport and the deadline timer, then negotiates the protocol version.
    public func start() async throws(MCPError) {
        guard state.withLock({ $0.start() }) else {
            throw MCPError(.transportClosed, "the session was already started or closed")
        }
        do {
            try await transport.start(self)
        } catch {
            throw MCPError(transport: error, while: "connecting")
        }
        let timer = self.timer
        let session = WeakReference(self)
        // The timer lives as long as the session; `close()` stops and awaits it.
        let task = Task {
            await timer.run { now in session.value?.expireOverdue(now: now) }
        }
        let closedMeanwhile = state.withLock { state -> Bool in
            state.timerTask = task
            return state.isEnded
        }
        if closedMeanwhile { timer.stop() }
        try await negotiate()
        try await listenIfConfigured()
    }

    /// Opens the modern listen stream when the configuration (or an interceptor) asks for it.
    /// A server that refuses it still serves calls, so a refusal is logged, not thrown.
    private func listenIfConfigured() async throws(MCPError) {
        guard era == .modern else { return }
        switch configuration.listenForChanges {
        case .never: return
        case .whenInterceptorsAsk:
            guard configuration.interceptors.contains(where: \.listensForChanges) else { return }
        case .always: break
        }
        do {
            try await listen(defaultListenFilter())
        } catch  where error.code == .transportClosed || error.code == .connectionFailed {
            throw error
        } catch {
            logger.warning("the server did not accept subscriptions/listen; change notifications will not arrive", metadata: ["error": "\(error)"])
        }
    }

    /// Closes the connection. Requests in flight fail with ``MCPError/Code/transportClosed``;
    /// every stream of notifications and events finishes, and so does any asked for later.
    /// The transport lets go of the session, so neither keeps the other alive.
    public func close() async {
        let first = state.withLock { $0.closeRequested() }
        // Idempotent, and needed even when the transport ended the session itself: it lets
        // go of the session and of what it holds (an HTTP client, a process).
        await transport.close()
        if first { end(nil) }
        timer.stop()
        await state.withLock({ $0.timerTask })?.value
    }

    /// The session is over (closed by its owner, or by the transport): fail what waits,
    /// finish every stream, cancel the tasks it owns. Only the first call does anything.
    func end(_ error: MCPError?) {
        let ending = state.withLock { $0.finish(error) }
        for resume in ending.failing { resume.continuation.resume(returning: resume.outcome) }
        for task in ending.cancelling { task.cancel() }
        for subscriber in ending.finishing {
            switch subscriber {
            case .notifications(let continuation):
                continuation.finish()
            case .events(let continuation):
                continuation.yield(.closed(ending.error))
                continuation.finish()
            }
        }
        timer.stop()
    }

    /// The negotiated protocol version, era, server identity and capabilities.
    public var negotiation: Negotiation? { state.withLock { $0.negotiation } }
    public var protocolVersion: ProtocolVersion? { negotiation?.protocolVersion }
    public var era: ProtocolEra? { negotiation?.era }
    public var serverInfo: Implementation? { negotiation?.serverInfo }
    public var serverCapabilities: ServerCapabilities { negotiation?.capabilities ?? ServerCapabilities() }
    /// How many unreadable frames the server has sent on this session.
    public var malformedMessages: Int { state.withLock { $0.malformedMessages } }
    /// How many requests are in flight.
    public var requestsInFlight: Int { state.withLock { $0.requests.count } }
    /// Whether the session has ended: closed by its owner, or by the transport.
    public var isClosed: Bool { state.withLock { $0.isEnded } }

    // MARK: - Sending requests

    /// Sends one request and waits for its outcome. Nothing here throws: failures are outcomes.
    func exchange(
        method: String,
        params: JSONObject?,
        protocolVersion: ProtocolVersion?,
        timeout: Duration,
        options: RequestOptions,
        headers: [(name: String, value: String)] = []
    ) async -> (RequestID, RequestOutcome) {
        let id = RequestID.int(nextID.add(1, ordering: .relaxed).newValue)
        if Task.isCancelled { return (id, .failure(MCPError(.cancelled, "\(method) was cancelled"))) }
        var params = params
        if options.onProgress != nil {
            var p = params ?? [:]
            var meta = p.object("_meta") ?? [:]
            meta[MetaKey.progressToken] = id.jsonValue
            p["_meta"] = .object(meta)
            params = p
        }
        let now = ClockInstant.now
        let deadline = now + timeout
        let hardDeadline =
            options.resetTimeoutOnProgress ? now + (options.maximumTotalTimeout ?? .seconds(86_400 * 365)) : deadline
        let entry = PendingRequests<UnsafeContinuation<RequestOutcome, Never>>.Entry(
            deadline: deadline,
            timeout: timeout,
            hardDeadline: hardDeadline,
            onProgress: options.onProgress,
            resetOnProgress: options.resetTimeoutOnProgress,
            method: method
        )
        if let error = state.withLock({ $0.requests.register(id, entry: entry) }) { return (id, .failure(error)) }
        timer.arm(for: deadline)

        let request = JSONRPCRequest(id: id, method: method, params: params)
        do {
            try await transport.send(OutboundMessage(.request(request), protocolVersion: protocolVersion, headers: headers))
        } catch {
            state.withLock { $0.requests.remove(id) }
            return (id, .failure(MCPError(transport: error, while: method)))
        }

        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<RequestOutcome, Never>) in
                if let ready = state.withLock({ $0.requests.attach(id, continuation) }) {
                    continuation.resume(returning: ready)
                }
            }
        } onCancel: {
            let (_, resume) = state.withLock { $0.requests.complete(id, .failure(MCPError(.cancelled, "\(method) was cancelled"))) }
            resume?.continuation.resume(returning: resume!.outcome)
        }
        if case .failure(let error) = outcome, error.code == .cancelled || error.code == .timeout {
            await cancelOnWire(id, reason: error.code == .timeout ? "timed out" : "cancelled by the client")
        }
        return (id, outcome)
    }

    /// Tells the server to stop working on `id`: `notifications/cancelled` on stdio and on
    /// legacy HTTP, closing the response stream on modern HTTP.
    func cancelOnWire(_ id: RequestID, reason: String) async {
        transport.abandon(id)
        let era = negotiation?.era ?? .legacy
        if transport.kind == .streamableHTTP && era == .modern { return }
        let notification = JSONRPCNotification(
            method: NotificationMethod.cancelled,
            params: CancelledParams(requestId: id, reason: reason).json
        )
        try? await transport.send(OutboundMessage(.notification(notification), protocolVersion: negotiation?.protocolVersion))
    }

    /// Sends a notification.
    func notify(_ method: String, params: JSONObject? = nil) async throws(MCPError) {
        let notification = JSONRPCNotification(method: method, params: params)
        do {
            try await transport.send(OutboundMessage(.notification(notification), protocolVersion: negotiation?.protocolVersion))
        } catch {
            throw MCPError(transport: error, while: method)
        }
    }

    /// Removes requests whose deadline passed; returns the next deadline.
    func expireOverdue(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let (expired, next) = state.withLock { state in (state.requests.expire(now: now), state.requests.earliestDeadline) }
        for (_, _, resume) in expired {
            resume?.continuation.resume(returning: resume!.outcome)
        }
        return next
    }
}

/// Serializes re-initialization after a legacy HTTP session expires, so that many requests
/// failing at once cause one new handshake, not many.
///
/// The generation is read on every request, so it is an atomic, not actor state: the hot
/// path never hops to this actor; only a failed request that needs a new handshake does.
actor Reinitialization {
    private let generationCounter = Atomic<Int>(0)
    private var running: Task<Void, any Error>?

    /// How many handshakes have completed; read without a hop.
    nonisolated var current: Int { generationCounter.load(ordering: .acquiring) }

    func run(seenGeneration: Int, _ handshake: @escaping @Sendable () async throws -> Void) async throws {
        if seenGeneration < current { return }  // someone else already did it
        if let running {
            try await running.value
            return
        }
        let task = Task { try await handshake() }
        running = task
        defer {
            running = nil
            generationCounter.add(1, ordering: .releasing)
        }
        try await task.value
    }
}

/// A weak reference that can cross concurrency domains.
struct WeakReference<Object: AnyObject & Sendable>: Sendable {
    weak var value: Object?
    init(_ value: Object) { self.value = value }
}
