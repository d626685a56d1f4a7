import JSONCore
public import MCPClient
import MCPTransport
import MCPWire
public import SwitchboardConfiguration
import Synchronization

/// Many servers behind one catalog: connects to all of them at once, fails open, and routes
/// each call by its qualified name (`server__tool`) to one of that server's replicas.
///
/// A server that is down or misconfigured never blocks the others: it is reported in
/// ``statuses`` with its error and, when the hub maintains itself, tried again in the
/// background with backoff. Two servers offering the same tool name are both reachable under
/// their qualified names, and the clash is listed in ``collisions``, never resolved silently.
/// ``apply(_:drainTimeout:)`` swaps in a new configuration while calls run; ``events()`` tells
/// what happened (and each event is counted as a metric).
///
/// The work is split by concern: connecting and following sessions (`Hub+Connecting`),
/// reconnecting and health checks (`Hub+Maintenance`), routing and calls (`Hub+Calls`), and
/// reloads (`Hub+Reload`). Routing is a pure ``RoutingTable``; each server's replicas are a
/// ``ReplicaPool`` around a pure ``ReplicaBalancer``.
public final class Hub: Sendable {
    /// Makes the client configuration (interceptor chain, timeouts, version pin) for a server.
    public typealias SessionSetup = @Sendable (ServerDefinition, ServerSettings) throws(ConfigError) -> ClientConfiguration

    let connector: any EndpointConnector
    let connectionOptions: ConnectionOptions
    let setup: SessionSetup
    let state: Mutex<State>
    let eventBus = HubEvents()

    struct State {
        var configuration: SwitchboardConfiguration
        var servers: [String: ServerEntry] = [:]
        /// Replacements for changed servers, connecting while the old entries still serve.
        var pending: [String: ServerEntry] = [:]
        var maintenance: [String: Task<Void, Never>] = [:]
        var closed = false
        var maintaining = false
        var timeout: Duration = .seconds(30)
        /// Every routable tool name to its server: rebuilt when a catalog changes, so routing
        /// is one lookup.
        var tools: RoutingTable
        /// The same for prompts.
        var prompts: RoutingTable

        init(configuration: SwitchboardConfiguration) {
            self.configuration = configuration
            tools = RoutingTable(separator: configuration.separator)
            prompts = RoutingTable(separator: configuration.separator)
        }

        /// The ready servers' names, in configuration order.
        private func catalog(_ names: (ServerEntry) -> [String]) -> [(server: String, names: [String])] {
            configuration.servers.compactMap { server in
                guard let entry = servers[server.name], entry.phase == .ready else { return nil }
                return (server.name, names(entry))
            }
        }

        mutating func rebuildRoutes() {
            tools = RoutingTable(separator: configuration.separator, servers: catalog { $0.tools.map(\.name) })
            prompts = RoutingTable(separator: configuration.separator, servers: catalog { $0.prompts.map(\.name) })
        }

        /// The qualified name of `name` on `server`.
        func qualified(_ server: String, _ name: String) -> QualifiedName {
            QualifiedName(server: server, name: name, separator: configuration.separator)
        }
    }

    /// One server as the hub runs it: its definition, settings, replicas and catalog.
    struct ServerEntry {
        let definition: ServerDefinition
        let settings: ServerSettings
        let pool: ReplicaPool
        var phase: ServerStatus.Phase
        var tools: [Tool] = []
        var prompts: [Prompt] = []
        /// When the tool list's `ttlMs` runs out and it should be listed again.
        var catalogExpires: ContinuousClock.Instant?
        var attempts = 0
        /// The typed error of the last failed attempt to connect, for callers that ask for this
        /// server's session (so a timeout stays a timeout).
        var lastError: MCPError?

        init(definition: ServerDefinition, settings: ServerSettings) {
            self.definition = definition
            self.settings = settings
            pool = ReplicaPool(endpoints: definition.endpoints, settings: settings)
            phase = definition.disabled ? .disabled : .connecting
        }
    }

    /// A hub over `configuration`'s servers.
    ///
    /// - Parameters:
    ///   - connector: opens each replica's session (``StdioConnector``, or `MCPConnect`'s
    ///     `StandardConnector` for URLs too).
    ///   - options: how to reach endpoints; each server's `restart` setting is laid over them.
    ///   - setup: makes each server's client configuration (interceptors, timeouts, version pin).
    public init(
        configuration: SwitchboardConfiguration,
        connector: any EndpointConnector,
        options: ConnectionOptions = ConnectionOptions(),
        setup: @escaping SessionSetup
    ) {
        self.connector = connector
        self.connectionOptions = options
        self.setup = setup
        var initial = State(configuration: configuration)
        for server in configuration.servers {
            initial.servers[server.name] = ServerEntry(definition: server, settings: configuration.effectiveSettings(of: server))
        }
        state = Mutex(initial)
    }

    /// The configuration in force (the last one applied).
    public var configuration: SwitchboardConfiguration { state.withLock { $0.configuration } }

    /// What happens to the hub's servers, from now on.
    public func events() -> AsyncStream<HubEvent> { eventBus.stream() }

    /// The entry of `name` that `pool` belongs to: the one serving, or its pending replacement.
    func entry(_ name: String, _ pool: ReplicaPool) -> ServerEntry? {
        state.withLock { state in
            if let entry = state.servers[name], entry.pool === pool { return entry }
            if let entry = state.pending[name], entry.pool === pool { return entry }
            return nil
        }
    }

    /// Whether `pool` still belongs to `name` (not replaced by a reload, not closed).
    func isCurrent(_ name: String, _ pool: ReplicaPool) -> Bool {
        state.withLock { !$0.closed && ($0.servers[name]?.pool === pool || $0.pending[name]?.pool === pool) }
    }

    /// Changes the entry of `name` that `pool` belongs to; routes follow.
    func update(_ name: String, _ pool: ReplicaPool, _ change: (inout ServerEntry) -> Void) {
        state.withLock { state in
            if var entry = state.servers[name], entry.pool === pool {
                change(&entry)
                state.servers[name] = entry
                state.rebuildRoutes()
            } else if var entry = state.pending[name], entry.pool === pool {
                change(&entry)
                state.pending[name] = entry
            }
        }
    }

    // MARK: - Status and catalog

    /// Each configured server's state, in file order.
    public var statuses: [ServerStatus] {
        let entries = state.withLock { state in state.configuration.servers.compactMap { state.servers[$0.name] } }
        return entries.map(Self.status)
    }

    public func status(of name: String) -> ServerStatus? {
        state.withLock { $0.servers[name] }.map(Self.status)
    }

    private static func status(_ entry: ServerEntry) -> ServerStatus {
        let session = entry.pool.anySession
        return ServerStatus(
            name: entry.definition.name,
            phase: entry.phase,
            protocolVersion: session?.protocolVersion,
            serverInfo: session?.serverInfo,
            replicas: entry.pool.statuses,
            tools: entry.tools.count,
            attempts: entry.attempts
        )
    }

    /// Every tool of every ready server, qualified, in server order then the server's order.
    public var tools: [QualifiedTool] {
        state.withLock { state in
            state.configuration.servers.flatMap { server in
                (state.servers[server.name]?.tools ?? []).map {
                    QualifiedTool(server: server.name, tool: $0, qualifiedName: state.qualified(server.name, $0.name).description)
                }
            }
        }
    }

    /// Every prompt of every ready server, qualified like tools.
    public var prompts: [QualifiedPrompt] {
        state.withLock { state in
            state.configuration.servers.flatMap { server in
                (state.servers[server.name]?.prompts ?? []).map {
                    QualifiedPrompt(server: server.name, prompt: $0, qualifiedName: state.qualified(server.name, $0.name).description)
                }
            }
        }
    }

    /// Tool names offered by more than one server: each is reachable only by its qualified names.
    public var collisions: [ToolCollision] {
        state.withLock { state in
            state.tools.clashes.keys.sorted().map { name in
                ToolCollision(name: name, qualifiedNames: (state.tools.clash(name) ?? []).map(\.description))
            }
        }
    }

    /// Stops the background work and closes every session.
    public func close() async {
        let (entries, tasks) = state.withLock { state in
            state.closed = true
            state.tools = RoutingTable(separator: state.configuration.separator)
            state.prompts = RoutingTable(separator: state.configuration.separator)
            return (Array(state.servers.values) + Array(state.pending.values), Array(state.maintenance.values))
        }
        for task in tasks { task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for entry in entries { group.addTask { await entry.pool.close() } }
        }
        eventBus.finish()
    }
}
