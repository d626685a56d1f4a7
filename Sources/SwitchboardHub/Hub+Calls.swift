public import JSONCore
public import MCPClient
import MCPTransport
public import MCPWire
import SwitchboardConfiguration
import Synchronization

extension Hub {
    // MARK: - Routing

    /// Which server and tool a name means: `server__tool`, or a bare tool name only one server offers.
    public func resolve(_ name: String) throws(MCPError) -> (server: String, tool: String) {
        let (route, _) = try route(name)
        return (route.server, route.name)
    }

    /// A call's route: the server and tool, and the pool serving that server now. One lock and
    /// two lookups when the name is known; the slower explanation (suggestions, who offers it)
    /// only when it is not.
    private func route(_ name: String) throws(MCPError) -> (RoutingTable.Route, ReplicaPool) {
        let found = state.withLock { state -> (RoutingTable.Route, ReplicaPool)? in
            guard let route = state.tools.route(name), let pool = state.servers[route.server]?.pool else { return nil }
            return (route, pool)
        }
        if let found { return found }
        throw unroutable(name)
    }

    /// Why `name` routes nowhere, in words a user can act on.
    private func unroutable(_ name: String) -> MCPError {
        let (configuration, entries, table) = state.withLock { ($0.configuration, $0.servers, $0.tools) }
        if let qualified = QualifiedName.parse(name, separator: configuration.separator, isServer: { entries[$0] != nil }),
            let entry = entries[qualified.server]
        {
            let (server, tool) = (qualified.server, qualified.name)
            guard entry.phase == .ready else { return unavailable(server, entry.phase, file: configuration.file) }
            if !entry.settings.offersTool(tool) {
                return MCPError(.invalidArguments, "tool \"\(tool)\" of server \"\(server)\" is filtered out by its allowTools/denyTools")
            }
            let hint =
                Suggestion.closest(to: tool, in: entry.tools.map(\.name)).map {
                    "; did you mean \"\(QualifiedName(server: server, name: $0, separator: configuration.separator))\"?"
                } ?? ""
            return MCPError(.invalidArguments, "server \"\(server)\" has no tool \"\(tool)\"\(hint)")
        }
        if let names = table.clash(name) {
            return MCPError(
                .invalidArguments,
                "\"\(name)\" is offered by \(names.count) servers; call one by its qualified name: \(names.map(\.description).joined(separator: ", "))"
            )
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

    /// A session of a ready server (a healthy replica's), or a typed error saying why there is
    /// none: for a server that failed to connect, the error it failed with.
    public func session(for server: String) throws(MCPError) -> ClientSession {
        let (entry, file, count) = state.withLock { ($0.servers[server], $0.configuration.file, $0.servers.count) }
        // Not a call: the balancer's counts and latencies are left alone.
        if let entry, entry.phase == .ready, let session = entry.pool.healthySession { return session }
        if let entry, entry.phase.isFailed, var failure = entry.lastError {
            if count > 1 { failure.message = "server \"\(server)\" is not available: " + failure.message }
            throw failure
        }
        throw unavailable(server, entry?.phase, file: file)
    }

    /// Calls a tool by its qualified (or unambiguous bare) name on one of its server's
    /// replicas, through that server's interceptor chain.
    ///
    /// When the replica fails in a way that says nothing definite (the connection broke, time
    /// ran out before any answer) and the call is safe to repeat (a read-only or idempotent
    /// tool by trusted annotations, or one that certainly never reached the server), it moves
    /// to another replica; otherwise the error is the caller's, typed, from the replica that ran it.
    public func callTool(_ name: String, arguments: JSONObject? = nil, options: RequestOptions = .default) async throws(MCPError) -> CallToolResult {
        let (route, pool) = try route(name)
        let definition = state.withLock { $0.servers[route.server]?.tools.first { $0.name == route.name } }
        return try await pool.perform(deadline: options.deadline, timeout: options.timeout) { error, session in
            let safety = session.configuration.safety
            return safety.mayTryAgain(after: error, method: Method.toolsCall, tool: route.name, hints: safety.hints(of: definition))
        } _: { session, deadline async throws(MCPError) in
            var options = options
            options.deadline = deadline
            return try await session.callTool(route.name, arguments: arguments, options: options)
        } unavailable: {
            unavailable(route.server, .failed("no replica is connected"), file: "")
        }
    }

    /// Gets a prompt by its qualified (or unambiguous bare) name.
    public func getPrompt(_ name: String, arguments: [String: String] = [:]) async throws(MCPError) -> GetPromptResult {
        let (table, entries) = state.withLock { ($0.prompts, $0.servers) }
        var owner = table.route(name)
        if owner == nil, let qualified = QualifiedName.parse(name, separator: table.separator, isServer: { entries[$0] != nil }) {
            // A prompt the catalog does not list yet (or a server whose list failed): ask its server.
            owner = RoutingTable.Route(server: qualified.server, name: qualified.name)
        }
        if owner == nil, let names = table.clash(name) {
            throw MCPError(
                .invalidArguments,
                "prompt \"\(name)\" is offered by \(names.count) servers; use \(names.map(\.description).joined(separator: " or "))"
            )
        }
        guard let owner, let pool = entries[owner.server]?.pool else {
            throw MCPError(.invalidArguments, "no prompt \"\(name)\" on any server")
        }
        let (server, prompt) = (owner.server, owner.name)
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
            let resources = try await entry.pool.perform(deadline: nil, timeout: nil, mayTryAgain: Self.readMayTryAgain) {
                session,
                deadline async throws(MCPError) in
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
            return try await entry.pool.perform(deadline: nil, timeout: nil, mayTryAgain: Self.readMayTryAgain) {
                session,
                deadline async throws(MCPError) in
                try await session.readResource(uri, options: RequestOptions(deadline: deadline))
            } unavailable: {
                MCPError(.connectionFailed, "server \"\(server)\" has no replica connected")
            }
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
}
