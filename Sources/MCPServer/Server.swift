public import JSONCore
public import MCPWire
import Synchronization

/// An MCP server: a registry of tools, resources, prompts and completions, and the logic
/// that answers requests in either protocol era.
///
/// A `Server` knows nothing of transports. Connections (``ServerSession`` for stdio and
/// in-memory pairs, the HTTP endpoint in `MCPServerHTTP`) pass requests to
/// ``handle(_:connection:channel:)`` and send what it returns.
///
/// ```swift
/// let server = Server(info: Implementation(name: "notes", version: "1.0"))
/// server.addTool(Tool(name: "echo", inputSchema: [...])) { arguments, context in
///     CallToolResult(content: [.text(arguments.string("text") ?? "")])
/// }
/// ```
public final class Server: Sendable {
    public typealias ToolHandler = @Sendable (_ arguments: JSONObject, _ context: RequestContext) async throws -> CallToolResult
    public typealias ResourceReader = @Sendable (_ uri: String, _ context: RequestContext) async throws -> [ResourceContents]
    public typealias TemplateReader =
        @Sendable (_ uri: String, _ variables: [String: String], _ context: RequestContext) async throws -> [ResourceContents]
    public typealias PromptHandler = @Sendable (_ arguments: [String: String], _ context: RequestContext) async throws -> GetPromptResult
    public typealias Completer = @Sendable (_ argument: String, _ value: String, _ context: [String: String]) async -> [String]

    /// Settings that shape answers.
    public struct Options: Sendable {
        /// Items per page of `*/list` results; `nil` returns everything at once.
        public var pageSize: Int?
        /// The freshness hint on list results (2026-07-28), in milliseconds.
        public var listTTLMilliseconds: Int
        /// The versions served, newest first.
        public var versions: [ProtocolVersion]
        /// Told the method of every request, before it is handled (for tests that count traffic).
        public var requestObserver: (@Sendable (String) -> Void)?

        public init(
            pageSize: Int? = nil,
            listTTLMilliseconds: Int = 60_000,
            versions: [ProtocolVersion] = ProtocolVersion.supported,
            requestObserver: (@Sendable (String) -> Void)? = nil
        ) {
            self.pageSize = pageSize
            self.listTTLMilliseconds = listTTLMilliseconds
            self.versions = versions
            self.requestObserver = requestObserver
        }
    }

    struct Registry {
        var tools: [(tool: Tool, handler: ToolHandler)] = []
        var resources: [(resource: Resource, read: ResourceReader)] = []
        var templates: [(template: ResourceTemplate, matcher: URITemplate, read: TemplateReader)] = []
        var prompts: [(prompt: Prompt, handler: PromptHandler)] = []
        var promptCompleters: [String: Completer] = [:]
        var templateCompleters: [String: Completer] = [:]
    }

    public let info: Implementation
    public let instructions: String?
    public let options: Options
    let registry = Mutex(Registry())
    let changes = ChangeBus()
    /// Where the catalog methods are answered from instead of the registry, when set.
    let catalog: (any CatalogProvider)?

    /// - Parameter catalog: answers the catalog methods per request (a gateway); `nil` to
    ///   answer them from what is registered with ``addTool(_:handler:)`` and the like.
    public init(info: Implementation, instructions: String? = nil, options: Options = Options(), catalog: (any CatalogProvider)? = nil) {
        self.info = info
        self.instructions = instructions
        self.options = options
        self.catalog = catalog
    }

    // MARK: - Registration

    /// Adds (or replaces) a tool. Connected clients are told the list changed.
    public func addTool(_ tool: Tool, handler: @escaping ToolHandler) {
        registry.withLock { registry in
            registry.tools.removeAll { $0.tool.name == tool.name }
            registry.tools.append((tool, handler))
        }
        changes.publish(.toolsListChanged)
    }

    /// Replaces a tool's definition, keeping its handler. Connected clients are told the list changed.
    public func replaceTool(_ tool: Tool) {
        registry.withLock { registry in
            guard let index = registry.tools.firstIndex(where: { $0.tool.name == tool.name }) else { return }
            registry.tools[index].tool = tool
        }
        changes.publish(.toolsListChanged)
    }

    /// Removes a tool. Connected clients are told the list changed.
    public func removeTool(named name: String) {
        registry.withLock { $0.tools.removeAll { $0.tool.name == name } }
        changes.publish(.toolsListChanged)
    }

    public func addResource(_ resource: Resource, read: @escaping ResourceReader) {
        registry.withLock { registry in
            registry.resources.removeAll { $0.resource.uri == resource.uri }
            registry.resources.append((resource, read))
        }
        changes.publish(.resourcesListChanged)
    }

    public func addResourceTemplate(_ template: ResourceTemplate, completer: Completer? = nil, read: @escaping TemplateReader) {
        let matcher = URITemplate(template.uriTemplate)
        registry.withLock { registry in
            registry.templates.append((template, matcher, read))
            if let completer { registry.templateCompleters[template.uriTemplate] = completer }
        }
        changes.publish(.resourcesListChanged)
    }

    public func addPrompt(_ prompt: Prompt, completer: Completer? = nil, handler: @escaping PromptHandler) {
        registry.withLock { registry in
            registry.prompts.removeAll { $0.prompt.name == prompt.name }
            registry.prompts.append((prompt, handler))
            if let completer { registry.promptCompleters[prompt.name] = completer }
        }
        changes.publish(.promptsListChanged)
    }

    /// Tells subscribed clients that a resource changed.
    public func resourceUpdated(_ uri: String) {
        changes.publish(.resourceUpdated(uri))
    }

    /// Tells connected clients about a change made outside the registry (a ``CatalogProvider``'s).
    public func announce(_ change: ServerChange) {
        changes.publish(change)
    }

    /// A stream of the changes this server announces, for connections that forward them.
    public func changeStream() -> AsyncStream<ServerChange> { changes.subscribe() }

    /// How many change listeners are open: modern `subscriptions/listen` streams, legacy
    /// sessions, and ``changeStream()`` callers. A client that went away stops counting once
    /// its transport notices.
    public var changeListenerCount: Int { changes.listenerCount }

    /// The tool registered under `name`.
    public func tool(named name: String) -> Tool? {
        registry.withLock { $0.tools.first { $0.tool.name == name }?.tool }
    }

    /// The capabilities this server declares.
    public var capabilities: ServerCapabilities {
        if let catalog { return catalog.capabilities }
        var capabilities = ServerCapabilities()
        capabilities.tools = ["listChanged": true]
        capabilities.resources = ["subscribe": true, "listChanged": true]
        capabilities.prompts = ["listChanged": true]
        capabilities.completions = [:]
        capabilities.logging = [:]
        return capabilities
    }

    /// The modern versions served.
    var modernVersions: [ProtocolVersion] { options.versions.filter { $0.era == .modern } }
}
