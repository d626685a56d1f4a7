public import JSONCore
public import MCPClient
public import MCPWire
import MCPTransport
public import SwitchboardConfiguration
import Synchronization

/// Many servers behind one catalog: connects to all of them at once, fails open, and routes
/// each call by its qualified name (`server__tool`) to one of that server's replicas.
///
/// A server that is down or misconfigured never blocks the others: it is reported in
/// ``statuses`` with its error and, when the hub maintains itself, tried again in the
/// background with backoff. Two servers offering the same tool name are both reachable under
/// their qualified names, and the clash is listed in ``collisions``, never resolved silently.
/// ``apply(_:timeout:)`` swaps in a new configuration while calls run; ``events()`` tells what
/// happened (and each event is counted as a metric).
public final class Hub: Sendable {
    /// Makes the client configuration (interceptor chain, timeouts, version pin) for a server.
    public typealias SessionSetup = @Sendable (ServerDefinition, ServerSettings) throws(ConfigError) -> ClientConfiguration

    private let connector: any EndpointConnector
    private let setup: SessionSetup
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
        /// Every routable name to its server and tool: qualified names, and bare names that
        /// only one server offers. Rebuilt when a catalog changes, so routing is one lookup.
        var routes: [String: Route] = [:]
        /// Bare tool names offered by more than one server.
        var clashes: [String: [String]] = [:]

        mutating func rebuildRoutes() {
            routes = [:]
            var owners: [String: [String]] = [:]
            for server in configuration.servers {
                guard let entry = servers[server.name], entry.phase == .ready else { continue }
                for tool in entry.tools {
                    routes[server.name + configuration.separator + tool.name] = Route(server: server.name, tool: tool.name, pool: entry.pool)
                    owners[tool.name, default: []].append(server.name)
                }
            }
            clashes = owners.filter { $0.value.count > 1 }
            for (name, servers) in owners where servers.count == 1 && routes[name] == nil {
                routes[name] = Route(server: servers[0], tool: name, pool: self.servers[servers[0]]!.pool)
            }
        }
    }

    struct Route {
        let server: String
        let tool: String
        let pool: ReplicaPool
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

        init(definition: ServerDefinition, settings: ServerSettings) {
            self.definition = definition
            self.settings = settings
            pool = ReplicaPool(endpoints: definition.endpoints, settings: settings)
            phase = definition.disabled ? .disabled : .connecting
        }
    }

    public init(configuration: SwitchboardConfiguration, connector: any EndpointConnector, setup: @escaping SessionSetup) {
        self.connector = connector
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

    // MARK: - Starting and maintaining

    /// Connects to every enabled server (every replica of each) concurrently and lists its
    /// catalog; returns when each has connected or failed (a failure is kept in its status,
    /// not thrown), at most `timeout` each. With `maintain`, the hub then looks after itself:
    /// it reconnects what failed (with backoff), checks each replica's health, and lists a
    /// server's catalog again on `list_changed` or when its `ttlMs` runs out.
    public func start(timeout: Duration = .seconds(30), maintain: Bool = true) async {
        let entries = state.withLock { state in
            state.maintaining = maintain
            state.timeout = timeout
            return state.servers.values.filter { !$0.definition.disabled }
        }
        await withTaskGroup(of: Void.self) { group in
            for entry in entries { group.addTask { await self.establish(entry) } }
        }
        if maintain { for entry in entries { scheduleMaintenance(entry) } }
    }

    /// Connects the replicas of `entry` that have no session, then lists its catalog if it has none.
    func establish(_ entry: ServerEntry) async {
        let name = entry.definition.name
        let pool = entry.pool
        let (timeout, maintaining) = state.withLock { ($0.timeout, $0.maintaining) }
        var clientConfiguration: ClientConfiguration
        do { clientConfiguration = try setup(entry.definition, entry.settings) } catch {
            update(name, pool) { $0.attempts += 1; $0.phase = .failed(error.message) }
            return
        }
        // The file's call-safety settings hold whatever the setup made: retries, the cache and
        // failover all read them from the session.
        if entry.settings.trustAnnotations == true { clientConfiguration.safety.trustAnnotations = true }
        for pattern in entry.settings.safeTools ?? [] where !clientConfiguration.safety.safeTools.contains(pattern) {
            clientConfiguration.safety.safeTools.append(pattern)
        }
        // A long-lived hub hears list_changed (a modern server only sends it on a listen stream).
        if maintaining && clientConfiguration.listenForChanges == .whenInterceptorsAsk { clientConfiguration.listenForChanges = .always }
        let settings = entry.settings
        let configuration = clientConfiguration
        await withTaskGroup(of: Void.self) { group in
            for index in pool.missing {
                group.addTask {
                    do throws(MCPError) {
                        let session = try await Self.withTimeout(timeout, server: name) { () async throws(MCPError) -> ClientSession in
                            try await self.connector.connect(pool.endpoints[index], settings: settings, configuration: configuration)
                        }
                        if self.isCurrent(name, pool) {
                            pool.connected(index, session)
                            self.watch(session, replica: index, of: name, pool: pool)
                        } else {
                            await session.close()
                        }
                    } catch {
                        pool.failedToConnect(index, Self.withStderr(error))
                    }
                }
            }
        }
        guard let session = pool.anySession else {
            let message = pool.firstError ?? "no replica connected"
            update(name, pool) { $0.attempts += 1; $0.phase = .failed(message) }
            eventBus.emit(.serverFailed(server: name, error: message))
            return
        }
        if self.entry(name, pool)?.phase != .ready { await refreshCatalog(name, pool: pool, session: session) }
    }

    /// Lists the server's tools and prompts again and installs them.
    func refreshCatalog(_ name: String, pool: ReplicaPool, session: ClientSession? = nil) async {
        guard let session = session ?? pool.anySession, let settings = entry(name, pool)?.settings else { return }
        do throws(MCPError) {
            var tools: [Tool] = []
            var ttl: Int?
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await session.listTools(cursor: cursor, options: RequestOptions(bypassCache: true))
                if pages == 0 { ttl = page.ttlMs }
                tools += page.tools
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 1000
            let prompts = session.serverCapabilities.prompts != nil ? (try? await session.allPrompts()) ?? [] : []
            let kept = tools.filter { settings.offersTool($0.name) }
            let wasReady = entry(name, pool)?.phase == .ready
            update(name, pool) { entry in
                entry.tools = kept
                entry.prompts = prompts
                entry.phase = .ready
                entry.catalogExpires = ttl.flatMap { $0 > 0 ? ContinuousClock.now + .milliseconds($0) : nil }
            }
            eventBus.emit(wasReady ? .catalogRefreshed(server: name, tools: kept.count) : .serverReady(server: name, tools: kept.count))
        } catch {
            if entry(name, pool)?.phase != .ready {
                update(name, pool) { $0.attempts += 1; $0.phase = .failed("listing tools failed: \(error.message)") }
                eventBus.emit(.serverFailed(server: name, error: error.message))
            }
        }
    }

    /// Follows one replica's session: a list change refreshes the catalog; a lost connection
    /// is reported (the next request restarts a stdio server); a crash loop takes the replica
    /// out for good, with the server's last words.
    private func watch(_ session: ClientSession, replica index: Int, of name: String, pool: ReplicaPool) {
        let endpoint = pool.endpoints[index].description
        let notifications = Task { [weak self] in
            for await notification in session.notifications() {
                guard let self else { return }
                switch notification {
                case .toolsListChanged, .promptsListChanged: await self.refreshCatalog(name, pool: pool, session: session)
                default: break
                }
            }
        }
        let lifecycle = Task { [weak self] in
            for await event in session.events() {
                guard let self else { return }
                switch event {
                case .sessionReestablished:
                    self.eventBus.emit(.sessionReestablished(server: name, endpoint: endpoint))
                case .connectionLost(let error):
                    pool.lostConnection(index)
                    self.eventBus.emit(.replicaLost(server: name, endpoint: endpoint, error: error.message))
                case .closed(let error?):
                    let message = Self.withStderr(error)
                    pool.disconnected(index, session, error: message, permanently: error.transportError?.code == .crashLoop)
                    if error.transportError?.code == .crashLoop {
                        self.eventBus.emit(.replicaCrashLooped(server: name, endpoint: endpoint, error: message))
                    }
                    if pool.anySession == nil { self.update(name, pool) { $0.phase = .failed(message) } }
                    return
                default: break
                }
            }
        }
        pool.follow(index, tasks: [notifications, lifecycle])
    }

    /// The error's message with the server's last stderr lines, when it has them and the
    /// message does not already carry them: what a person needs to see why a server died.
    static func withStderr(_ error: MCPError) -> String {
        guard let tail = error.transportError?.stderrTail, !tail.isEmpty, !tail.allSatisfy({ error.message.contains($0) }) else { return error.message }
        return error.message + "; last stderr lines: " + tail.suffix(5).joined(separator: " | ")
    }

    /// Reconnects what failed (backing off while the whole server is down), checks health, and
    /// lists the catalog again when its time-to-live runs out.
    func scheduleMaintenance(_ entry: ServerEntry) {
        let name = entry.definition.name
        let pool = entry.pool
        let interval = Duration.milliseconds(Int64(pool.health.intervalSeconds * 1000))
        let task = Task { [weak self] in
            var backoff = Duration.milliseconds(500)
            while !Task.isCancelled {
                guard let self, self.isCurrent(name, pool) else { return }
                let down = self.entry(name, pool)?.phase.isFailed ?? true
                let incomplete = down || !pool.missing.isEmpty
                try? await Task.sleep(for: incomplete || interval == .zero ? backoff : interval)
                guard !Task.isCancelled, self.isCurrent(name, pool) else { return }
                if incomplete {
                    await self.establish(entry)
                    let failed = self.entry(name, pool)?.phase.isFailed ?? true
                    backoff = failed ? min(backoff * 2, .seconds(30)) : .milliseconds(500)
                }
                if interval > .zero { await self.checkHealth(name, pool) }
                let expired = self.entry(name, pool)?.catalogExpires.map { $0 <= .now } ?? false
                if expired { await self.refreshCatalog(name, pool: pool) }
            }
        }
        state.withLock { state in
            if state.closed { task.cancel() } else { state.maintenance[name]?.cancel(); state.maintenance[name] = task }
        }
    }

    /// Checks the health of every replica of every ready server once, now (what maintenance
    /// does every `health.intervalSeconds`); each answer's round trip becomes a latency sample.
    public func checkHealth() async {
        let pools = state.withLock { state in state.servers.values.filter { $0.phase == .ready }.map { ($0.definition.name, $0.pool) } }
        await withTaskGroup(of: Void.self) { group in
            for (name, pool) in pools { group.addTask { await self.checkHealth(name, pool) } }
        }
    }

    /// Asks each connected replica whether it is alive: `server/discover` for a modern
    /// server, `ping` for a legacy one. An answer ends an ejection; silence counts against it.
    private func checkHealth(_ name: String, _ pool: ReplicaPool) async {
        let options = RequestOptions(timeout: .milliseconds(Int64(pool.health.timeoutSeconds * 1000)), bypassCache: true)
        let replicas = pool.endpoints.indices.compactMap { index in pool.session(at: index).map { (index, $0) } }
        await withTaskGroup(of: Void.self) { group in
            for (index, session) in replicas {
                group.addTask {
                    let clock = ContinuousClock()
                    let start = clock.now
                    let wasEjected = pool.isEjected(index)
                    do throws(MCPError) {
                        if session.era == .modern { _ = try await session.discover(options: options) } else { try await session.ping(options: options) }
                        pool.checked(index, healthy: true, latency: clock.now - start)
                    } catch {
                        pool.checked(index, healthy: !error.countsAgainstServer, latency: clock.now - start)
                    }
                    if wasEjected && !pool.isEjected(index) {
                        self.eventBus.emit(.replicaRestored(server: name, endpoint: pool.endpoints[index].description))
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
                    QualifiedTool(server: server.name, tool: $0, qualifiedName: server.name + state.configuration.separator + $0.name)
                }
            }
        }
    }

    /// Every prompt of every ready server, qualified like tools.
    public var prompts: [QualifiedPrompt] {
        state.withLock { state in
            state.configuration.servers.flatMap { server in
                (state.servers[server.name]?.prompts ?? []).map {
                    QualifiedPrompt(server: server.name, prompt: $0, qualifiedName: server.name + state.configuration.separator + $0.name)
                }
            }
        }
    }

    /// Tool names offered by more than one server: each is reachable only by its qualified names.
    public var collisions: [ToolCollision] {
        state.withLock { state in
            let separator = state.configuration.separator
            return state.clashes.keys.sorted().map { name in
                ToolCollision(name: name, qualifiedNames: state.clashes[name]!.map { $0 + separator + name })
            }
        }
    }

    // MARK: - Routing

    /// Which server and tool a name means: `server__tool`, or a bare tool name only one server offers.
    public func resolve(_ name: String) throws(MCPError) -> (server: String, tool: String) {
        let route = try route(name)
        return (route.server, route.tool)
    }

    /// The route of a name: one lock and one lookup when it is known; the slower explanation
    /// (suggestions, who offers it) only when it is not.
    private func route(_ name: String) throws(MCPError) -> Route {
        if let route = state.withLock({ $0.routes[name] }) { return route }
        throw unroutable(name)
    }

    /// Why `name` routes nowhere, in words a user can act on.
    private func unroutable(_ name: String) -> MCPError {
        let (configuration, entries, clashes) = state.withLock { ($0.configuration, $0.servers, $0.clashes) }
        let separator = configuration.separator
        if let range = name.firstRange(of: separator), let entry = entries[String(name[..<range.lowerBound])] {
            let server = entry.definition.name
            let tool = String(name[range.upperBound...])
            guard entry.phase == .ready else { return unavailable(server, entry.phase, file: configuration.file) }
            if !entry.settings.offersTool(tool) {
                return MCPError(.invalidArguments, "tool \"\(tool)\" of server \"\(server)\" is filtered out by its allowTools/denyTools")
            }
            let hint = Suggestion.closest(to: tool, in: entry.tools.map(\.name)).map { "; did you mean \"\(server)\(separator)\($0)\"?" } ?? ""
            return MCPError(.invalidArguments, "server \"\(server)\" has no tool \"\(tool)\"\(hint)")
        }
        if let owners = clashes[name] {
            let names = owners.map { $0 + separator + name }
            return MCPError(.invalidArguments, "\"\(name)\" is offered by \(owners.count) servers; call one by its qualified name: \(names.joined(separator: ", "))")
        }
        let hint = Suggestion.closest(to: name, in: tools.map(\.qualifiedName)).map { "; did you mean \"\($0)\"?" } ?? ""
        let down = configuration.servers.filter { entries[$0.name]?.phase.isFailed == true }.map(\.name)
        let note = down.isEmpty ? "" : " (not connected: \(down.joined(separator: ", ")))"
        return MCPError(.invalidArguments, "no tool \"\(name)\" on any server\(hint)\(note)")
    }

    private func unavailable(_ server: String, _ phase: ServerStatus.Phase?, file: String) -> MCPError {
        switch phase {
        case nil: MCPError(.invalidArguments, "no server named \"\(server)\"")
        case .ready?, .connecting?: MCPError(.connectionFailed, "server \"\(server)\" is still connecting")
        case .disabled?: MCPError(.connectionFailed, "server \"\(server)\" is disabled in \(file)")
        case .failed(let message)?: MCPError(.connectionFailed, "server \"\(server)\" is not available: \(message)")
        }
    }

    /// A session of a ready server (the next replica by its balancing), or a typed error saying why there is none.
    public func session(for server: String) throws(MCPError) -> ClientSession {
        let (entry, file) = state.withLock { ($0.servers[server], $0.configuration.file) }
        // Not a call: the balancer's counts and latencies are left alone.
        guard let entry, entry.phase == .ready, let session = entry.pool.healthySession else { throw unavailable(server, entry?.phase, file: file) }
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
        let route = try route(name)
        let definition = state.withLock { $0.servers[route.server]?.tools.first { $0.name == route.tool } }
        return try await route.pool.perform(deadline: options.deadline, timeout: options.timeout) { error, session in
            let safety = session.configuration.safety
            return safety.mayTryAgain(after: error, method: Method.toolsCall, tool: route.tool, hints: safety.hints(of: definition))
        } _: { session, deadline async throws(MCPError) in
            var options = options
            options.deadline = deadline
            return try await session.callTool(route.tool, arguments: arguments, options: options)
        } unavailable: {
            unavailable(route.server, .failed("no replica is connected"), file: "")
        }
    }

    /// Gets a prompt by its qualified (or unambiguous bare) name.
    public func getPrompt(_ name: String, arguments: [String: String] = [:]) async throws(MCPError) -> GetPromptResult {
        let (separator, entries) = state.withLock { ($0.configuration.separator, $0.servers) }
        var owner: (server: String, prompt: String)?
        if let range = name.firstRange(of: separator), let entry = entries[String(name[..<range.lowerBound])] {
            owner = (entry.definition.name, String(name[range.upperBound...]))
        } else {
            let owners = prompts.filter { $0.prompt.name == name }
            if owners.count > 1 {
                throw MCPError(.invalidArguments, "prompt \"\(name)\" is offered by \(owners.count) servers; use \(owners.map(\.qualifiedName).joined(separator: " or "))")
            }
            owner = owners.first.map { ($0.server, name) }
        }
        guard let (server, prompt) = owner, let pool = entries[server]?.pool else {
            throw MCPError(.invalidArguments, "no prompt \"\(name)\" on any server")
        }
        return try await pool.perform(deadline: nil, timeout: nil, mayTryAgain: Self.readMayTryAgain) { session, deadline async throws(MCPError) in
            try await session.getPrompt(prompt, arguments: arguments, options: RequestOptions(deadline: deadline))
        } unavailable: {
            unavailable(server, .failed("no replica is connected"), file: "")
        }
    }

    /// Every resource of every ready server, listed now (resource lists can be long and change
    /// often, so they are not kept).
    public func resources() async -> (resources: [ServerResource], failures: [String: MCPError]) {
        let ready = state.withLock { state in state.configuration.servers.compactMap { state.servers[$0.name] }.filter { $0.phase == .ready } }
        var listed: [String: [Resource]] = [:]
        var failures: [String: MCPError] = [:]
        // A struct, not a tuple, as the children's result, and the child's work in a function
        // of its own: Swift 6.3.1 miscompiles (in optimized builds) a task-group child that
        // returns a tuple from inside a `do`/`catch`, corrupting the result (a crash in
        // `TaskGroup.awaitAllRemainingTasks`).
        await withTaskGroup(of: ServerListing.self) { group in
            for entry in ready {
                group.addTask { await Self.listResources(of: entry) }
            }
            for await listing in group {
                switch listing.outcome {
                case .success(let resources): listed[listing.server] = resources
                case .failure(let error): failures[listing.server] = error
                }
            }
        }
        let order = ready.map(\.definition.name)
        return (order.flatMap { server in (listed[server] ?? []).map { ServerResource(server: server, resource: $0) } }, failures)
    }

    /// One server's resources, or why they could not be listed.
    struct ServerListing: Sendable {
        var server: String
        var outcome: Result<[Resource], MCPError>
    }

    private static func listResources(of entry: ServerEntry) async -> ServerListing {
        let name = entry.definition.name
        guard entry.pool.anySession?.serverCapabilities.resources != nil else { return ServerListing(server: name, outcome: .success([])) }
        let outcome: Result<[Resource], MCPError>
        do throws(MCPError) {
            let resources = try await entry.pool.perform(deadline: nil, timeout: nil, mayTryAgain: Self.readMayTryAgain) { session, deadline async throws(MCPError) in
                try await session.allResources(options: RequestOptions(deadline: deadline))
            } unavailable: {
                MCPError(.connectionFailed, "server \"\(name)\" has no replica connected")
            }
            outcome = .success(resources)
        } catch {
            outcome = .failure(error)
        }
        return ServerListing(server: name, outcome: outcome)
    }

    /// Reads a resource: from `server` when named, else from the one server that lists `uri`,
    /// else from the first ready server that can read it (a templated resource is not listed).
    public func readResource(_ uri: String, server: String? = nil) async throws(MCPError) -> ReadResourceResult {
        if let server {
            let (entry, file) = state.withLock { ($0.servers[server], $0.configuration.file) }
            guard let entry, entry.phase == .ready else { throw unavailable(server, entry?.phase, file: file) }
            return try await entry.pool.perform(deadline: nil, timeout: nil, mayTryAgain: Self.readMayTryAgain) { session, deadline async throws(MCPError) in
                try await session.readResource(uri, options: RequestOptions(deadline: deadline))
            } unavailable: { MCPError(.connectionFailed, "server \"\(server)\" has no replica connected") }
        }
        let owners = Set(await resources().resources.filter { $0.resource.uri == uri }.map(\.server))
        if owners.count > 1 {
            throw MCPError(.invalidArguments, "\(uri) is listed by \(owners.sorted().joined(separator: " and ")); name one with its server")
        }
        if let owner = owners.first { return try await readResource(uri, server: owner) }
        var lastError: MCPError?
        for status in statuses where status.phase == .ready {
            do throws(MCPError) { return try await readResource(uri, server: status.name) } catch { lastError = error }
        }
        throw lastError ?? MCPError(.invalidArguments, "no server lists or reads \(uri)")
    }

    /// Reads change nothing: any transient failure moves them to another replica.
    static func readMayTryAgain(_ error: MCPError, _ session: ClientSession) -> Bool {
        session.configuration.safety.mayTryAgain(after: error, method: Method.resourcesRead, tool: nil, hints: nil)
    }

    /// Stops the background work and closes every session.
    public func close() async {
        let (entries, tasks) = state.withLock { state in
            state.closed = true
            state.routes = [:]
            return (Array(state.servers.values) + Array(state.pending.values), Array(state.maintenance.values))
        }
        for task in tasks { task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for entry in entries { group.addTask { await entry.pool.close() } }
        }
        eventBus.finish()
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
    /// Restarts of the replicas' processes so far.
    public var restarts: Int { replicas.map(\.restarts).reduce(0, +) }

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

/// A prompt with the server that offers it and the name the hub knows it by.
public struct QualifiedPrompt: Sendable {
    public var server: String
    public var prompt: Prompt
    public var qualifiedName: String
}

/// A resource with the server that lists it (URIs are the servers' own, so not renamed).
public struct ServerResource: Sendable {
    public var server: String
    public var resource: Resource
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
