public import JSONCore
public import MCPClient
public import MCPWire
public import SwitchboardConfiguration
import Synchronization

/// Many servers behind one catalog: connects to all of them at once, fails open, and routes
/// each call by its qualified name (`server__tool`) to that server's session.
///
/// A server that is down or misconfigured never blocks the others: it is reported in
/// ``statuses`` with its error and tried again in the background, with backoff, until it
/// connects or the hub closes. Two servers offering the same tool name are both reachable
/// under their qualified names, and the clash is listed in ``collisions``, never resolved
/// silently.
public final class Hub: Sendable {
    /// Makes the client configuration (interceptor chain, timeouts, version pin) for a server.
    public typealias SessionSetup = @Sendable (ServerDefinition, ServerSettings) throws(ConfigError) -> ClientConfiguration

    public let configuration: SwitchboardConfiguration
    private let connector: any EndpointConnector
    private let setup: SessionSetup
    private let state = Mutex(State())

    struct State {
        var servers: [String: ServerState] = [:]
        var retries: [String: Task<Void, Never>] = [:]
        var closed = false
        /// Which servers offer each bare tool name, in file order: rebuilt when a catalog
        /// changes, so routing a call is two hash lookups rather than a walk over every tool.
        var owners: [String: [String]] = [:]

        mutating func rebuildOwners(order: [ServerDefinition]) {
            owners = [:]
            for server in order {
                for name in servers[server.name]?.toolNames ?? [] { owners[name, default: []].append(server.name) }
            }
        }
    }

    struct ServerState {
        var phase: ServerStatus.Phase
        let pool: ReplicaPool
        var tools: [Tool] = [] {
            didSet { toolNames = Set(tools.map(\.name)) }
        }
        var toolNames: Set<String> = []
        var attempts = 0
    }

    public init(configuration: SwitchboardConfiguration, connector: any EndpointConnector, setup: @escaping SessionSetup) {
        self.configuration = configuration
        self.connector = connector
        self.setup = setup
        state.withLock { state in
            for server in configuration.servers {
                state.servers[server.name] = ServerState(
                    phase: server.disabled ? .disabled : .connecting,
                    pool: ReplicaPool(endpoints: server.endpoints, settings: configuration.effectiveSettings(of: server)))
            }
        }
    }

    /// Connects to every enabled server (every replica of each) concurrently and lists its
    /// tools; returns when each has connected or failed (a failure is kept in its status, not
    /// thrown), at most `timeout` each. With `maintain`, a background task per server then
    /// reconnects what failed (with backoff) and checks each replica's health.
    public func start(timeout: Duration = .seconds(30), maintain: Bool = true) async {
        await withTaskGroup(of: Void.self) { group in
            for server in configuration.enabledServers {
                group.addTask { await self.connect(server, timeout: timeout) }
            }
        }
        guard maintain else { return }
        for server in configuration.enabledServers { scheduleMaintenance(server, timeout: timeout) }
    }

    private func pool(of server: String) -> ReplicaPool? { state.withLock { $0.servers[server]?.pool } }

    /// Connects the replicas that have no session, then lists the tools if none are known yet.
    private func connect(_ server: ServerDefinition, timeout: Duration) async {
        guard let pool = pool(of: server.name) else { return }
        let settings = configuration.effectiveSettings(of: server)
        let clientConfiguration: ClientConfiguration
        do { clientConfiguration = try setup(server, settings) } catch {
            state.withLock { state in
                state.servers[server.name]?.attempts += 1
                state.servers[server.name]?.phase = .failed(error.message)
            }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for index in pool.missing {
                group.addTask {
                    do throws(MCPError) {
                        let session = try await Self.withTimeout(timeout, server: server.name) { () async throws(MCPError) -> ClientSession in
                            try await self.connector.connect(pool.endpoints[index], settings: settings, configuration: clientConfiguration)
                        }
                        let closed = self.state.withLock { $0.closed }
                        if closed { await session.close() } else { pool.connected(index, session) }
                    } catch {
                        pool.failedToConnect(index, error.message)
                    }
                }
            }
        }
        guard let session = pool.anySession else {
            state.withLock { state in
                state.servers[server.name]?.attempts += 1
                state.servers[server.name]?.phase = .failed(pool.firstError ?? "no replica connected")
            }
            return
        }
        if state.withLock({ $0.servers[server.name]?.phase == .ready }) { return }
        do {
            let kept = try await session.allTools().filter { settings.offersTool($0.name) }
            state.withLock { state in
                state.servers[server.name]?.tools = kept
                state.servers[server.name]?.phase = .ready
                state.rebuildOwners(order: configuration.servers)
            }
        } catch {
            state.withLock { state in
                state.servers[server.name]?.attempts += 1
                state.servers[server.name]?.phase = .failed("listing tools failed: \(error.message)")
            }
        }
    }

    /// Reconnects what failed (backing off while the whole server is down) and checks health.
    private func scheduleMaintenance(_ server: ServerDefinition, timeout: Duration) {
        guard let pool = pool(of: server.name) else { return }
        let interval = Duration.milliseconds(Int64(pool.health.intervalSeconds * 1000))
        let task = Task { [weak self] in
            var backoff = Duration.milliseconds(500)
            while !Task.isCancelled {
                guard let down = self?.status(of: server.name)?.phase.isFailed else { return }
                let incomplete = down || !pool.missing.isEmpty
                try? await Task.sleep(for: incomplete || interval == .zero ? backoff : interval)
                guard let self, !Task.isCancelled else { return }
                if incomplete {
                    await self.connect(server, timeout: timeout)
                    backoff = self.status(of: server.name)?.phase.isFailed == true ? min(backoff * 2, .seconds(30)) : .milliseconds(500)
                }
                if interval > .zero { await self.checkHealth(pool) }
            }
        }
        state.withLock { state in
            if state.closed { task.cancel() } else { state.retries[server.name] = task }
        }
    }

    /// Asks each connected replica whether it is alive: `server/discover` for a modern
    /// server, `ping` for a legacy one. An answer ends an ejection; silence counts against it.
    private func checkHealth(_ pool: ReplicaPool) async {
        let options = RequestOptions(timeout: .milliseconds(Int64(pool.health.timeoutSeconds * 1000)), bypassCache: true)
        let replicas = pool.statuses.indices.compactMap { index in pool.session(at: index).map { (index, $0) } }
        await withTaskGroup(of: Void.self) { group in
            for (index, session) in replicas {
                group.addTask {
                    let clock = ContinuousClock()
                    let start = clock.now
                    do throws(MCPError) {
                        if session.era == .modern { _ = try await session.discover(options: options) } else { try await session.ping(options: options) }
                        pool.checked(index, healthy: true, latency: clock.now - start)
                    } catch {
                        pool.checked(index, healthy: !error.countsAgainstServer, latency: clock.now - start)
                    }
                }
            }
        }
    }

    private static func withTimeout<Value: Sendable>(
        _ timeout: Duration, server: String, _ body: @escaping @Sendable () async throws(MCPError) -> Value
    ) async throws(MCPError) -> Value {
        let outcome: Result<Value, MCPError> = await withTaskGroup(of: Result<Value, MCPError>?.self) { group in
            group.addTask {
                do throws(MCPError) { return .success(try await body()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : .failure(MCPError(.timeout, "server \"\(server)\" did not connect within \(timeout)"))
            }
            var first: Result<Value, MCPError>?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first!
        }
        return try outcome.get()
    }

    // MARK: - Status and catalog

    /// Each configured server's state, in file order.
    public var statuses: [ServerStatus] {
        state.withLock { state in
            configuration.servers.map { server in
                let entry = state.servers[server.name]
                return ServerStatus(
                    name: server.name,
                    phase: entry?.phase ?? .connecting,
                    protocolVersion: entry?.pool.anySession?.protocolVersion,
                    serverInfo: entry?.pool.anySession?.serverInfo,
                    replicas: entry?.pool.statuses ?? [],
                    tools: entry?.tools.count ?? 0,
                    attempts: entry?.attempts ?? 0
                )
            }
        }
    }

    public func status(of name: String) -> ServerStatus? { statuses.first { $0.name == name } }

    /// Every tool of every ready server, qualified, in server order then the server's order.
    public var tools: [QualifiedTool] {
        state.withLock { state in
            configuration.servers.flatMap { server in
                (state.servers[server.name]?.tools ?? []).map {
                    QualifiedTool(server: server.name, tool: $0, qualifiedName: server.name + configuration.separator + $0.name)
                }
            }
        }
    }

    /// Tool names offered by more than one server: each is reachable only by its qualified names.
    public var collisions: [ToolCollision] {
        var owners: [String: [String]] = [:]
        var order: [String] = []
        for tool in tools {
            if owners[tool.tool.name] == nil { order.append(tool.tool.name) }
            owners[tool.tool.name, default: []].append(tool.qualifiedName)
        }
        return order.compactMap { name in
            guard let names = owners[name], names.count > 1 else { return nil }
            return ToolCollision(name: name, qualifiedNames: names)
        }
    }

    // MARK: - Routing

    /// Which server and tool a name means: `server__tool`, or a bare tool name only one server offers.
    public func resolve(_ name: String) throws(MCPError) -> (server: String, tool: String) {
        let (server, tool, _) = try route(name)
        return (server, tool)
    }

    /// The server, tool and session a name routes to: one lock and two lookups when it is known;
    /// the slower explanation (suggestions, who offers it) only when it is not.
    private func route(_ name: String) throws(MCPError) -> (server: String, tool: String, pool: ReplicaPool) {
        let separator = configuration.separator
        var qualified: (server: String, tool: String)?
        if let range = name.firstRange(of: separator), configuration.server(named: String(name[..<range.lowerBound])) != nil {
            qualified = (String(name[..<range.lowerBound]), String(name[range.upperBound...]))
        }
        let found = state.withLock { state -> (String, String, ReplicaPool)? in
            if let (server, tool) = qualified {
                guard let entry = state.servers[server], entry.phase == .ready else { return nil }
                return entry.toolNames.contains(tool) ? (server, tool, entry.pool) : nil
            }
            guard let owners = state.owners[name], owners.count == 1, let entry = state.servers[owners[0]] else { return nil }
            return (owners[0], name, entry.pool)
        }
        if let found { return found }
        throw unroutable(name, qualified: qualified)
    }

    /// Why `name` routes nowhere, in words a user can act on.
    private func unroutable(_ name: String, qualified: (server: String, tool: String)?) -> MCPError {
        if let (server, tool) = qualified {
            let entry = state.withLock { $0.servers[server] }
            guard let entry, entry.phase == .ready else { return unavailable(server, entry?.phase) }
            if let definition = configuration.server(named: server), !configuration.effectiveSettings(of: definition).offersTool(tool) {
                return MCPError(.invalidArguments, "tool \"\(tool)\" of server \"\(server)\" is filtered out by its allowTools/denyTools")
            }
            let hint = Suggestion.closest(to: tool, in: entry.toolNames).map { "; did you mean \"\(server)\(configuration.separator)\($0)\"?" } ?? ""
            return MCPError(.invalidArguments, "server \"\(server)\" has no tool \"\(tool)\"\(hint)")
        }
        let owners = tools.filter { $0.tool.name == name }
        if owners.count > 1 {
            return MCPError(
                .invalidArguments,
                "\"\(name)\" is offered by \(owners.count) servers; call one by its qualified name: \(owners.map(\.qualifiedName).joined(separator: ", "))")
        }
        let hint = Suggestion.closest(to: name, in: tools.map(\.qualifiedName)).map { "; did you mean \"\($0)\"?" } ?? ""
        let down = statuses.filter { $0.phase.isFailed }.map(\.name)
        let note = down.isEmpty ? "" : " (not connected: \(down.joined(separator: ", ")))"
        return MCPError(.invalidArguments, "no tool \"\(name)\" on any server\(hint)\(note)")
    }

    private func unavailable(_ server: String, _ phase: ServerStatus.Phase?) -> MCPError {
        switch phase {
        case nil: MCPError(.invalidArguments, "no server named \"\(server)\"")
        case .ready?, .connecting?: MCPError(.connectionFailed, "server \"\(server)\" is still connecting")
        case .disabled?: MCPError(.connectionFailed, "server \"\(server)\" is disabled in \(configuration.file)")
        case .failed(let message)?: MCPError(.connectionFailed, "server \"\(server)\" is not available: \(message)")
        }
    }

    /// A session of a ready server (the next replica by its balancing), or a typed error saying why there is none.
    public func session(for server: String) throws(MCPError) -> ClientSession {
        let entry = state.withLock { $0.servers[server] }
        guard let entry, entry.phase == .ready, let (index, session) = entry.pool.acquire() else { throw unavailable(server, entry?.phase) }
        entry.pool.finish(index, latency: .zero, failed: false)
        return session
    }

    /// Calls a tool by its qualified (or unambiguous bare) name on one of its server's
    /// replicas, through that server's interceptor chain.
    ///
    /// When the replica fails in a way that says nothing definite (the connection broke, time
    /// ran out before any answer) and the call is safe to repeat (a read-only or idempotent
    /// tool by trusted annotations, or one that certainly never reached the server), it moves
    /// to another replica; otherwise the error is the caller's, typed, from the replica that ran it.
    public func callTool(_ name: String, arguments: JSONObject? = nil, options: RequestOptions = .default) async throws(MCPError) -> CallToolResult {
        let (server, tool, pool) = try route(name)
        var tried: Set<Int> = []
        var lastError: MCPError?
        let clock = ContinuousClock()
        while let (index, session) = pool.acquire(excluding: tried) {
            tried.insert(index)
            let start = clock.now
            do {
                let result = try await session.callTool(tool, arguments: arguments, options: options)
                pool.finish(index, latency: clock.now - start, failed: false)
                return result
            } catch {
                pool.finish(index, latency: clock.now - start, failed: error.countsAgainstServer)
                guard error.isTransient, error.neverReachedServer || isSafeToRepeat(tool, on: server, session: session) else { throw error }
                lastError = error
            }
        }
        throw lastError ?? unavailable(server, .failed("no replica is connected"))
    }

    /// Whether a tool may run twice: read-only or idempotent (and not destructive) by its
    /// annotations, when the server's annotations are trusted.
    private func isSafeToRepeat(_ tool: String, on server: String, session: ClientSession) -> Bool {
        guard let definition = configuration.server(named: server), configuration.effectiveSettings(of: definition).trustAnnotations == true,
            let annotations = state.withLock({ $0.servers[server]?.tools.first { $0.name == tool }?.annotations })
        else { return false }
        if annotations.destructiveHint == true && annotations.idempotentHint != true { return false }
        return annotations.readOnlyHint == true || annotations.idempotentHint == true
    }

    /// Stops background retries and closes every session.
    public func close() async {
        let (pools, retries) = state.withLock { state in
            state.closed = true
            return (state.servers.values.map(\.pool), Array(state.retries.values))
        }
        let sessions = pools.flatMap { $0.removeAll() }
        for task in retries { task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for session in sessions { group.addTask { await session.close() } }
        }
    }
}

/// One server's state, for `switchboard servers` and the API.
public struct ServerStatus: Sendable {
    public enum Phase: Sendable, Equatable, CustomStringConvertible {
        case connecting
        case ready
        case failed(String)
        case disabled

        public var isFailed: Bool { if case .failed = self { true } else { false } }

        public var description: String {
            switch self {
            case .connecting: "connecting"
            case .ready: "ready"
            case .failed: "failed"
            case .disabled: "disabled"
            }
        }
    }

    public var name: String
    public var phase: Phase
    public var protocolVersion: ProtocolVersion?
    public var serverInfo: Implementation?
    /// Each endpoint's state: one, or one per replica.
    public var replicas: [ReplicaStatus]
    public var tools: Int
    /// Connection attempts that failed so far.
    public var attempts: Int

    public var endpoints: Int { replicas.count }
    /// Replicas connected and not ejected.
    public var healthyEndpoints: Int { replicas.filter { $0.connected && !$0.ejected }.count }

    /// The error of a failed server.
    public var error: String? { if case .failed(let message) = phase { message } else { nil } }
}

/// A tool with the server that offers it and the name the hub knows it by.
public struct QualifiedTool: Sendable {
    public var server: String
    public var tool: Tool
    public var qualifiedName: String

    public init(server: String, tool: Tool, qualifiedName: String) {
        self.server = server
        self.tool = tool
        self.qualifiedName = qualifiedName
    }
}

/// A tool name offered by several servers.
public struct ToolCollision: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var qualifiedNames: [String]

    public init(name: String, qualifiedNames: [String]) {
        self.name = name
        self.qualifiedNames = qualifiedNames
    }

    public var description: String {
        "tool \"\(name)\" is offered by \(qualifiedNames.count) servers; use \(qualifiedNames.joined(separator: " or "))"
    }
}
