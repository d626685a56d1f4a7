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
        var session: ClientSession?
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
                state.servers[server.name] = ServerState(phase: server.disabled ? .disabled : .connecting)
            }
        }
    }

    /// Connects to every enabled server concurrently and lists its tools; returns when each has
    /// connected or failed (a failure is kept in its status, not thrown), at most `timeout` each.
    public func start(timeout: Duration = .seconds(30), retryFailed: Bool = true) async {
        await withTaskGroup(of: Void.self) { group in
            for server in configuration.enabledServers {
                group.addTask { await self.connect(server, timeout: timeout) }
            }
        }
        guard retryFailed else { return }
        for server in configuration.enabledServers where status(of: server.name)?.phase.isFailed == true {
            scheduleRetry(server, timeout: timeout)
        }
    }

    /// One attempt: connect to the server's first endpoint and list its tools.
    private func connect(_ server: ServerDefinition, timeout: Duration) async {
        let settings = configuration.effectiveSettings(of: server)
        do {
            let clientConfiguration = try setup(server, settings)
            let session = try await Self.withTimeout(timeout, server: server.name) { () async throws(MCPError) -> ClientSession in
                try await self.connector.connect(server.primary, configuration: clientConfiguration)
            }
            let tools: [Tool]
            do { tools = try await session.allTools() } catch {
                await session.close()
                throw error
            }
            let kept = tools.filter { settings.offersTool($0.name) }
            let accepted = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.servers[server.name]?.session = session
                state.servers[server.name]?.tools = kept
                state.servers[server.name]?.phase = .ready
                state.rebuildOwners(order: configuration.servers)
                return true
            }
            if !accepted { await session.close() }
        } catch {
            let message = (error as? MCPError)?.message ?? "\(error)"
            state.withLock { state in
                state.servers[server.name]?.attempts += 1
                state.servers[server.name]?.phase = .failed(message)
            }
        }
    }

    private func scheduleRetry(_ server: ServerDefinition, timeout: Duration) {
        let task = Task { [weak self] in
            var delay = Duration.milliseconds(500)
            while !Task.isCancelled {
                try? await Task.sleep(for: delay)
                guard let self, !Task.isCancelled else { return }
                await self.connect(server, timeout: timeout)
                if self.status(of: server.name)?.phase.isFailed != true { return }
                delay = min(delay * 2, .seconds(30))
            }
        }
        state.withLock { state in
            if state.closed { task.cancel() } else { state.retries[server.name] = task }
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
                    protocolVersion: entry?.session?.protocolVersion,
                    serverInfo: entry?.session?.serverInfo,
                    endpoints: server.endpoints.count,
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
    private func route(_ name: String) throws(MCPError) -> (server: String, tool: String, session: ClientSession) {
        let separator = configuration.separator
        var qualified: (server: String, tool: String)?
        if let range = name.firstRange(of: separator), configuration.server(named: String(name[..<range.lowerBound])) != nil {
            qualified = (String(name[..<range.lowerBound]), String(name[range.upperBound...]))
        }
        let found = state.withLock { state -> (String, String, ClientSession)? in
            if let (server, tool) = qualified {
                guard let entry = state.servers[server], entry.phase == .ready, let session = entry.session else { return nil }
                return entry.toolNames.contains(tool) ? (server, tool, session) : nil
            }
            guard let owners = state.owners[name], owners.count == 1, let session = state.servers[owners[0]]?.session else { return nil }
            return (owners[0], name, session)
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

    /// The session of a ready server, or a typed error saying why there is none.
    public func session(for server: String) throws(MCPError) -> ClientSession {
        let entry = state.withLock { $0.servers[server] }
        if let entry, entry.phase == .ready, let session = entry.session { return session }
        throw unavailable(server, entry?.phase)
    }

    /// Calls a tool by its qualified (or unambiguous bare) name, through its server's interceptor chain.
    public func callTool(_ name: String, arguments: JSONObject? = nil, options: RequestOptions = .default) async throws(MCPError) -> CallToolResult {
        let (_, tool, session) = try route(name)
        return try await session.callTool(tool, arguments: arguments, options: options)
    }

    /// Stops background retries and closes every session.
    public func close() async {
        let (sessions, retries) = state.withLock { state in
            state.closed = true
            let sessions = state.servers.values.compactMap(\.session)
            let retries = Array(state.retries.values)
            for name in state.servers.keys { state.servers[name]?.session = nil }
            return (sessions, retries)
        }
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
    public var endpoints: Int
    public var tools: Int
    /// Connection attempts that failed so far.
    public var attempts: Int

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
