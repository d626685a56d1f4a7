import MCPClient
public import MCPTransport
import MCPWire
public import SwitchboardConfiguration
import Synchronization

extension Hub {
    /// Connects to every enabled server (every replica of each) concurrently and lists its
    /// catalog; returns when each has connected or failed (a failure is kept in its status,
    /// not thrown), at most `timeout` each. With `maintain`, the hub then looks after itself:
    /// it reconnects what failed (with backoff), checks each replica's health, and lists a
    /// server's catalog again on `list_changed` or when its `ttlMs` runs out.
    ///
    /// - Parameter servers: connect only these (a command about one server's tool starts
    ///   only that server); the others stay `connecting` until a later start or reload.
    public func start(timeout: Duration = .seconds(30), maintain: Bool = true, servers: Set<String>? = nil) async {
        let entries = state.withLock { state in
            state.maintaining = maintain
            state.timeout = timeout
            return state.servers.values.filter { !$0.definition.disabled && servers.map { [name = $0.definition.name] in $0.contains(name) } ?? true }
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
            update(name, pool) { entry in
                entry.attempts += 1
                entry.phase = .failed(error.message)
                entry.lastError = MCPError(.invalidArguments, error.description)
            }
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
        // A stdio server restarts as its settings say (by default up to 5 times a minute, as
        // the specification recommends restarting a server that exits).
        var connection = connectionOptions
        connection.stdio.restart = (entry.settings.restart ?? RestartSettings()).policy
        let options = connection
        let configuration = clientConfiguration
        await withTaskGroup(of: Void.self) { group in
            for index in pool.missing {
                group.addTask {
                    do throws(MCPError) {
                        let session = try await Self.withTimeout(timeout, server: name) { () async throws(MCPError) -> ClientSession in
                            try await self.connector.connect(pool.endpoints[index], options: options, configuration: configuration)
                        }
                        if self.isCurrent(name, pool) {
                            pool.connected(index, session)
                            self.watch(session, replica: index, of: name, pool: pool)
                        } else {
                            await session.close()
                        }
                    } catch {
                        pool.failedToConnect(index, error, message: Self.withStderr(error))
                    }
                }
            }
        }
        guard let session = pool.anySession else {
            let failure = pool.firstFailure
            let message = failure?.message ?? "no replica connected"
            update(name, pool) { entry in
                entry.attempts += 1
                entry.phase = .failed(message)
                entry.lastError = failure?.error
            }
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
                update(name, pool) {
                    $0.attempts += 1
                    $0.phase = .failed("listing tools failed: \(error.message)")
                }
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
        guard let tail = error.transportError?.stderrTail, !tail.isEmpty, !tail.allSatisfy({ error.message.contains($0) }) else {
            return error.message
        }
        return error.message + "; last stderr lines: " + tail.suffix(5).joined(separator: " | ")
    }

    private static func withTimeout<Value: Sendable>(
        _ timeout: Duration,
        server: String,
        _ body: @escaping @Sendable () async throws(MCPError) -> Value
    ) async throws(MCPError) -> Value {
        let outcome: Result<Value, MCPError> = await withTaskGroup(of: Result<Value, MCPError>?.self) { group in
            group.addTask {
                // Computed into a local, not returned from inside the do/catch: see `Hub.resources()`.
                let outcome: Result<Value, MCPError>
                do throws(MCPError) { outcome = .success(try await body()) } catch { outcome = .failure(error) }
                return outcome
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
}

extension RestartSettings {
    /// The stdio transport's policy for these settings.
    public var policy: StdioTransport.RestartPolicy {
        guard enabled else { return .never }
        return StdioTransport.RestartPolicy(
            maximumRestarts: maxRestarts,
            window: .milliseconds(Int64(windowSeconds * 1000)),
            initialBackoff: .milliseconds(Int64(initialBackoffSeconds * 1000)),
            maximumBackoff: .milliseconds(Int64(maxBackoffSeconds * 1000))
        )
    }
}
