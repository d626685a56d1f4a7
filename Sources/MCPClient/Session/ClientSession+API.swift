public import JSONCore
import JSONSchema
import Logging
import MCPTransport
public import MCPWire
import Synchronization

extension ClientSession {
    // MARK: - Tools

    /// One page of the server's tools.
    ///
    /// Over Streamable HTTP, tools whose `x-mcp-header` annotations break the rules are left
    /// out (as the specification requires) and logged.
    public func listTools(cursor: String? = nil, options: RequestOptions = .default) async throws(MCPError) -> ListToolsResult {
        var result = try await request(Method.toolsList, params: PaginatedParams(cursor: cursor).json, as: ListToolsResult.self, options: options)
        if transport.kind == .streamableHTTP {
            let valid = result.tools.filter { tool in
                do {
                    _ = try HeaderParameters.extract(from: tool.inputSchema)
                    return true
                } catch {
                    logger.warning("ignoring tool with invalid x-mcp-header", metadata: ["tool": "\(tool.name)", "reason": "\(error)"])
                    return false
                }
            }
            if valid.count != result.tools.count { result.json.set("tools", valid) }
        }
        toolCatalog.record(result.tools, complete: result.nextCursor == nil, replacing: cursor == nil)
        return result
    }

    /// Every tool, following cursors across pages.
    public func allTools(options: RequestOptions = .default) async throws(MCPError) -> [Tool] {
        try await collectPages(options: options) { cursor throws(MCPError) in try await self.listTools(cursor: cursor, options: options) }
    }

    /// A tool's definition, listing tools first if the session has not seen them.
    public func tool(named name: String) async throws(MCPError) -> Tool? {
        if let entry = toolCatalog.entry(name) { return entry.tool }
        if !toolCatalog.isComplete { _ = try await allTools() }
        return toolCatalog.entry(name)?.tool
    }

    /// Calls a tool.
    ///
    /// The arguments are checked against the tool's input schema first; a mismatch throws
    /// ``MCPError/Code/invalidArguments`` naming each field and rule, and nothing is sent. A
    /// result whose `structuredContent` does not match the tool's output schema throws
    /// ``MCPError/Code/protocolError``. A tool that reports failure (`isError`) returns its
    /// result normally; see ``CallToolResult/isError``.
    public func callTool(
        _ name: String,
        arguments: JSONObject? = nil,
        options: RequestOptions = .default
    ) async throws(MCPError) -> CallToolResult {
        var entry = toolCatalog.entry(name)
        if entry == nil && options.validateArguments && !toolCatalog.isComplete {
            _ = try await allTools()
            entry = toolCatalog.entry(name)
        }
        if options.validateArguments, let entry {
            try checkArguments(arguments, against: entry)
        }
        var headers: [(name: String, value: String)] = []
        if transport.kind == .streamableHTTP, era == .modern, let entry {
            for (header, path) in entry.headerParameters {
                if let value = HeaderParameters.headerValue(for: arguments, path: path) {
                    headers.append(("Mcp-Param-" + header, value))
                }
            }
        }
        let result = try await request(
            Method.toolsCall,
            params: CallToolParams(name: name, arguments: arguments).json,
            as: CallToolResult.self,
            options: options,
            headers: headers,
            tool: entry?.tool
        )
        if configuration.validateStructuredContent, !result.isError, let entry, let output = entry.output {
            try checkStructuredContent(result, tool: name, against: output)
        }
        return result
    }

    private func checkArguments(_ arguments: JSONObject?, against entry: ToolCatalog.Entry) throws(MCPError) {
        switch entry.input {
        case .success(let validator):
            let violations = validator.validate(.object(arguments ?? [:]))
            guard violations.isEmpty else {
                let summary = violations.prefix(3).map(\.description).joined(separator: "; ")
                throw MCPError(
                    .invalidArguments,
                    "invalid arguments for tool '\(entry.tool.name)': \(summary)",
                    violations: violations
                )
            }
            if !validator.unenforcedKeywords.isEmpty {
                logger.debug(
                    "tool schema uses keywords that are not checked",
                    metadata: ["tool": "\(entry.tool.name)", "keywords": "\(validator.unenforcedKeywords.sorted())"]
                )
            }
        case .failure(let error):
            throw MCPError(
                .protocolError,
                "tool '\(entry.tool.name)' has an input schema that cannot be used: \(error) (call with validation off to send anyway)"
            )
        }
    }

    private func checkStructuredContent(
        _ result: CallToolResult,
        tool: String,
        against output: Result<SchemaValidator, SchemaError>
    ) throws(MCPError) {
        guard case .success(let validator) = output else { return }
        guard let structured = result.structuredContent else {
            throw MCPError(.protocolError, "tool '\(tool)' declares an output schema but returned no structuredContent")
        }
        let violations = validator.validate(structured)
        guard violations.isEmpty else {
            throw MCPError(
                .protocolError,
                "tool '\(tool)' returned structuredContent that does not match its output schema",
                violations: violations
            )
        }
    }

    // MARK: - Resources

    public func listResources(cursor: String? = nil, options: RequestOptions = .default) async throws(MCPError) -> ListResourcesResult {
        try await request(Method.resourcesList, params: PaginatedParams(cursor: cursor).json, as: ListResourcesResult.self, options: options)
    }

    public func allResources(options: RequestOptions = .default) async throws(MCPError) -> [Resource] {
        try await collectPages(options: options) { cursor throws(MCPError) in try await self.listResources(cursor: cursor, options: options) }
    }

    public func listResourceTemplates(
        cursor: String? = nil,
        options: RequestOptions = .default
    ) async throws(MCPError)
        -> ListResourceTemplatesResult
    {
        try await request(
            Method.resourceTemplatesList,
            params: PaginatedParams(cursor: cursor).json,
            as: ListResourceTemplatesResult.self,
            options: options
        )
    }

    public func allResourceTemplates(options: RequestOptions = .default) async throws(MCPError) -> [ResourceTemplate] {
        try await collectPages(options: options) { cursor throws(MCPError) in
            try await self.listResourceTemplates(cursor: cursor, options: options)
        }
    }

    public func readResource(_ uri: String, options: RequestOptions = .default) async throws(MCPError) -> ReadResourceResult {
        try await request(Method.resourcesRead, params: ResourceParams(uri: uri).json, as: ReadResourceResult.self, options: options)
    }

    /// Asks for `notifications/resources/updated` about `uri`: `resources/subscribe` on legacy
    /// servers, a `subscriptions/listen` stream on modern ones.
    public func subscribe(toResource uri: String) async throws(MCPError) {
        if era == .modern {
            var filter = state.withLock { $0.listen.filter } ?? defaultListenFilter()
            var uris = filter.resourceSubscriptions
            guard !uris.contains(uri) else { return }
            uris.append(uri)
            filter = SubscriptionFilter(
                toolsListChanged: filter.toolsListChanged,
                promptsListChanged: filter.promptsListChanged,
                resourcesListChanged: filter.resourcesListChanged,
                resourceSubscriptions: uris
            )
            try await listen(filter)
        } else {
            _ = try await request(Method.resourcesSubscribe, params: ResourceParams(uri: uri).json)
        }
    }

    /// Stops notifications about `uri`.
    public func unsubscribe(fromResource uri: String) async throws(MCPError) {
        if era == .modern {
            guard let filter = state.withLock({ $0.listen.filter }) else { return }
            try await listen(
                SubscriptionFilter(
                    toolsListChanged: filter.toolsListChanged,
                    promptsListChanged: filter.promptsListChanged,
                    resourcesListChanged: filter.resourcesListChanged,
                    resourceSubscriptions: filter.resourceSubscriptions.filter { $0 != uri }
                )
            )
        } else {
            _ = try await request(Method.resourcesUnsubscribe, params: ResourceParams(uri: uri).json)
        }
    }

    // MARK: - Prompts and completion

    public func listPrompts(cursor: String? = nil, options: RequestOptions = .default) async throws(MCPError) -> ListPromptsResult {
        try await request(Method.promptsList, params: PaginatedParams(cursor: cursor).json, as: ListPromptsResult.self, options: options)
    }

    public func allPrompts(options: RequestOptions = .default) async throws(MCPError) -> [Prompt] {
        try await collectPages(options: options) { cursor throws(MCPError) in try await self.listPrompts(cursor: cursor, options: options) }
    }

    public func getPrompt(
        _ name: String,
        arguments: [String: String] = [:],
        options: RequestOptions = .default
    ) async throws(MCPError) -> GetPromptResult {
        try await request(
            Method.promptsGet,
            params: GetPromptParams(name: name, arguments: arguments).json,
            as: GetPromptResult.self,
            options: options
        )
    }

    /// Suggestions for an argument of a prompt or a variable of a resource template.
    public func complete(
        _ reference: CompletionReference,
        argument: String,
        value: String,
        context: [String: String]? = nil,
        options: RequestOptions = .default
    ) async throws(MCPError) -> CompleteResult {
        try await request(
            Method.complete,
            params: CompleteParams(ref: reference, argumentName: argument, value: value, context: context).json,
            as: CompleteResult.self,
            options: options
        )
    }

    // MARK: - Logging and liveness

    /// The least severe log message the server should send: `logging/setLevel` on legacy
    /// servers; on modern ones, a `_meta` member of every later request.
    public func setLogLevel(_ level: LoggingLevel) async throws(MCPError) {
        if era == .modern {
            state.withLock { $0.logLevel = level }
        } else {
            _ = try await request(Method.loggingSetLevel, params: ["level": .string(level.rawValue)])
        }
    }

    /// Checks the server answers: `ping` on legacy servers, `server/discover` on modern ones
    /// (which have no ping).
    public func ping(options: RequestOptions = .default) async throws(MCPError) {
        if era == .modern {
            _ = try await request(Method.discover, options: options)
        } else {
            _ = try await request(Method.ping, options: options)
        }
    }

    /// Asks a modern server for its versions, capabilities and identity again.
    public func discover(options: RequestOptions = .default) async throws(MCPError) -> DiscoverResult {
        try await request(Method.discover, as: DiscoverResult.self, options: options)
    }

    // MARK: - Pagination

    /// Walks cursors until the last page. A server that repeats a cursor is stopped rather
    /// than followed forever.
    func collectPages<Page: PaginatedResult>(
        options: RequestOptions,
        maximumPages: Int = 10_000,
        _ fetch: (String?) async throws(MCPError) -> Page
    ) async throws(MCPError) -> [Page.Item] {
        var items: [Page.Item] = []
        var cursor: String? = nil
        var seen = Set<String>()
        for _ in 0..<maximumPages {
            let page = try await fetch(cursor)
            items.append(contentsOf: page.items)
            guard let next = page.nextCursor else { return items }
            guard seen.insert(next).inserted else {
                throw MCPError(.protocolError, "the server repeated pagination cursor '\(next)'")
            }
            cursor = next
        }
        throw MCPError(.protocolError, "more than \(maximumPages) pages; stopped")
    }
}
