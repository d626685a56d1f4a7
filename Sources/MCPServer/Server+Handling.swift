public import JSONCore
public import MCPWire
import Synchronization

extension Server {
    /// Answers one request.
    ///
    /// - Parameters:
    ///   - connection: the legacy state of the connection, or `nil` where there is none
    ///     (a stateless modern HTTP request).
    ///   - channel: where notifications about this request, and pushed requests, go.
    ///   - caller: who sent it, as the transport established it (``RequestContext/caller``).
    /// - Returns: the result object, or the error to send.
    public func handle(
        _ request: JSONRPCRequest,
        connection: LegacyConnection?,
        channel: any RequestChannel,
        caller: (any CallerIdentity)? = nil
    ) async -> Result<JSONObject, ServerError> {
        options.requestObserver?(request.method)
        let params = request.params ?? [:]
        let context: RequestContext
        if let metadata = RequestMetadata(meta: params.object("_meta")) {
            guard modernVersions.contains(metadata.protocolVersion) else {
                return .failure(unsupportedVersion(metadata.protocolVersion))
            }
            context = RequestContext(
                requestID: request.id,
                method: request.method,
                params: params,
                protocolVersion: metadata.protocolVersion,
                clientCapabilities: metadata.clientCapabilities,
                clientInfo: metadata.clientInfo,
                logLevel: metadata.logLevel,
                caller: caller,
                channel: channel
            )
        } else if request.method == Method.initialize {
            guard let connection else {
                return .failure(ServerError(code: ErrorCode.invalidRequest, message: "initialize needs a session", httpStatus: 400))
            }
            return initialize(params, connection: connection)
        } else if request.method == Method.discover {
            return .success(discoverResult(version: modernVersions.first ?? .latest).json)
        } else {
            guard let connection, let state = Optional(connection.state.withLock { $0 }), let version = state.version else {
                return .failure(
                    ServerError(
                        code: ErrorCode.invalidRequest,
                        message: "no protocol version: send initialize first, or carry \(MetaKey.protocolVersion) in _meta",
                        httpStatus: 400
                    )
                )
            }
            context = RequestContext(
                requestID: request.id,
                method: request.method,
                params: params,
                protocolVersion: version,
                clientCapabilities: state.clientCapabilities,
                clientInfo: state.clientInfo,
                logLevel: state.logLevel,
                caller: caller,
                channel: channel
            )
        }
        do {
            var result = try await dispatch(context, connection: connection)
            if context.era == .modern {
                if result["resultType"] == nil { result["resultType"] = .string(ResultType.complete.rawValue) }
                var meta = result.object("_meta") ?? [:]
                if meta[MetaKey.serverInfo] == nil { meta[MetaKey.serverInfo] = .object(info.json) }
                result["_meta"] = .object(meta)
            }
            return .success(result)
        } catch let signal as InputRequiredSignal {
            guard context.era == .modern else {
                return .failure(ServerError(code: ErrorCode.internalError, message: "input required on a legacy connection"))
            }
            return .success(
                InputRequiredResult(
                    inputRequests: Dictionary(uniqueKeysWithValues: signal.requests.map { ($0.key, $0.request) }),
                    requestState: signal.requestState
                ).json
            )
        } catch let error as ServerError {
            return .failure(error)
        } catch is CancellationError {
            return .failure(ServerError(code: ErrorCode.internalError, message: "request cancelled"))
        } catch {
            return .failure(ServerError(code: ErrorCode.internalError, message: "\(error)"))
        }
    }

    func unsupportedVersion(_ requested: ProtocolVersion) -> ServerError {
        ServerError(
            code: ErrorCode.unsupportedProtocolVersion,
            message: "Unsupported protocol version: \(requested)",
            data: UnsupportedVersionData(supported: options.versions, requested: requested).jsonValue,
            httpStatus: 400
        )
    }

    func initialize(_ params: JSONObject, connection: LegacyConnection) -> Result<JSONObject, ServerError> {
        let request: InitializeParams
        do { request = try InitializeParams(json: params) } catch {
            return .failure(.invalidParams("invalid initialize parameters: \(error)"))
        }
        let legacy = options.versions.filter { $0.era == .legacy }
        guard let newest = legacy.first else {
            return .failure(
                ServerError(
                    code: ErrorCode.invalidRequest,
                    message:
                        "this server speaks only \(modernVersions.map(\.rawValue).joined(separator: ", ")); send requests with _meta instead of initialize",
                    httpStatus: 400
                )
            )
        }
        // Answer with the client's version if it is served, otherwise the newest served one.
        let chosen = legacy.contains(request.protocolVersion) ? request.protocolVersion : newest
        connection.state.withLock { state in
            state.version = chosen
            state.clientCapabilities = request.capabilities
            state.clientInfo = request.clientInfo
        }
        return .success(
            InitializeResult(protocolVersion: chosen, capabilities: capabilities, serverInfo: info, instructions: instructions).json
        )
    }

    func discoverResult(version: ProtocolVersion) -> DiscoverResult {
        DiscoverResult(
            supportedVersions: options.versions,
            capabilities: capabilities,
            serverInfo: info,
            instructions: instructions,
            ttlMs: options.listTTLMilliseconds,
            cacheScope: .public
        )
    }

    func dispatch(_ context: RequestContext, connection: LegacyConnection?) async throws -> JSONObject {
        if let catalog, let result = try await dispatch(context, to: catalog) { return result }
        let params = context.params
        switch context.method {
        case Method.ping:
            return [:]
        case Method.discover:
            return discoverResult(version: context.protocolVersion).json
        case Method.toolsList:
            let tools = registry.withLock { $0.tools.map(\.tool) }
            let (page, next) = try paginate(tools, cursor: params.string("cursor"))
            return cacheable(ListToolsResult(tools: page, nextCursor: next).json, context)
        case Method.toolsCall:
            return try await callTool(context)
        case Method.resourcesList:
            let resources = registry.withLock { $0.resources.map(\.resource) }
            let (page, next) = try paginate(resources, cursor: params.string("cursor"))
            return cacheable(ListResourcesResult(resources: page, nextCursor: next).json, context)
        case Method.resourceTemplatesList:
            let templates = registry.withLock { $0.templates.map(\.template) }
            let (page, next) = try paginate(templates, cursor: params.string("cursor"))
            return cacheable(ListResourceTemplatesResult(resourceTemplates: page, nextCursor: next).json, context)
        case Method.resourcesRead:
            return try await readResource(context)
        case Method.promptsList:
            let prompts = registry.withLock { $0.prompts.map(\.prompt) }
            let (page, next) = try paginate(prompts, cursor: params.string("cursor"))
            return cacheable(ListPromptsResult(prompts: page, nextCursor: next).json, context)
        case Method.promptsGet:
            return try await getPrompt(context)
        case Method.complete:
            return try await complete(context)
        case Method.loggingSetLevel where context.era == .legacy:
            guard let level = params.string("level").flatMap(LoggingLevel.init(rawValue:)) else {
                throw ServerError.invalidParams("level must be one of \(LoggingLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            connection?.state.withLock { $0.logLevel = level }
            return [:]
        case Method.resourcesSubscribe where context.era == .legacy, Method.resourcesUnsubscribe where context.era == .legacy:
            guard let uri = params.string("uri") else { throw ServerError.invalidParams("uri is required") }
            connection?.state.withLock { state in
                if context.method == Method.resourcesSubscribe {
                    state.subscriptions.insert(uri)
                } else {
                    state.subscriptions.remove(uri)
                }
            }
            return [:]
        case Method.subscriptionsListen where context.era == .modern:
            return try await listen(context)
        default:
            throw ServerError.methodNotFound(context.method)
        }
    }

    func cacheable(_ result: JSONObject, _ context: RequestContext, scope: CacheScope = .public) -> JSONObject {
        guard context.era == .modern else { return result }
        var result = result
        result["ttlMs"] = .int(options.listTTLMilliseconds)
        result["cacheScope"] = .string(scope.rawValue)
        return result
    }

    /// One page of `items` after `cursor`. Cursors are opaque to clients; here, an offset.
    func paginate<Item>(_ items: [Item], cursor: String?) throws -> ([Item], String?) {
        var start = 0
        if let cursor {
            guard cursor.hasPrefix("o:"), let offset = Int(cursor.dropFirst(2)), offset >= 0, offset <= items.count else {
                throw ServerError.invalidParams("invalid cursor '\(cursor)'")
            }
            start = offset
        }
        guard let size = options.pageSize else { return (Array(items[start...]), nil) }
        let end = min(items.count, start + size)
        return (Array(items[start..<end]), end < items.count ? "o:\(end)" : nil)
    }

    func callTool(_ context: RequestContext) async throws -> JSONObject {
        guard let name = context.params.string("name") else { throw ServerError.invalidParams("tool name is required") }
        guard let handler = registry.withLock({ $0.tools.first { $0.tool.name == name }?.handler }) else {
            throw ServerError.invalidParams("unknown tool: \(name)")
        }
        let arguments = context.params.object("arguments") ?? [:]
        do {
            return try await handler(arguments, context).json
        } catch let error as ServerError {
            throw error
        } catch let signal as InputRequiredSignal {
            throw signal
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // A failure inside the tool is the tool's result, for the model to see.
            return CallToolResult(content: [.text("\(error)")], isError: true).json
        }
    }

    func readResource(_ context: RequestContext) async throws -> JSONObject {
        guard let uri = context.params.string("uri") else { throw ServerError.invalidParams("uri is required") }
        let (reader, template) = registry.withLock { registry in
            (
                registry.resources.first { $0.resource.uri == uri }?.read,
                registry.templates.lazy.compactMap { entry in entry.matcher.match(uri).map { (entry.read, $0) } }.first
            )
        }
        let contents: [ResourceContents]
        if let reader {
            contents = try await reader(uri, context)
        } else if let (read, variables) = template {
            contents = try await read(uri, variables, context)
        } else {
            // 2026-07-28 reports unknown resources as invalid params; earlier revisions used -32002.
            let code = context.era == .modern ? ErrorCode.invalidParams : ErrorCode.legacyResourceNotFound
            throw ServerError(code: code, message: "resource not found: \(uri)", data: ["uri": .string(uri)])
        }
        return cacheable(ReadResourceResult(contents: contents).json, context)
    }

    func getPrompt(_ context: RequestContext) async throws -> JSONObject {
        let params = GetPromptParams(uncheckedJSON: context.params)
        guard let entry = registry.withLock({ $0.prompts.first { $0.prompt.name == params.name } }) else {
            throw ServerError.invalidParams("unknown prompt: \(params.name)")
        }
        let arguments = params.arguments
        for argument in entry.prompt.arguments where argument.required && arguments[argument.name] == nil {
            throw ServerError.invalidParams("prompt '\(params.name)' needs argument '\(argument.name)'")
        }
        return try await entry.handler(arguments, context).json
    }

    func complete(_ context: RequestContext) async throws -> JSONObject {
        let params: CompleteParams
        do { params = try CompleteParams(json: context.params) } catch {
            throw ServerError.invalidParams("invalid completion request: \(error)")
        }
        let completer: Completer? = registry.withLock { registry in
            switch params.ref {
            case .prompt(let name)?: return registry.promptCompleters[name]
            case .resourceTemplate(let uri)?: return registry.templateCompleters[uri]
            case nil: return nil
            }
        }
        let values = await completer?(params.argumentName, params.argumentValue, params.contextArguments) ?? []
        let limited = Array(values.prefix(100))
        return CompleteResult(values: limited, total: values.count, hasMore: values.count > limited.count).json
    }

    /// Serves a `subscriptions/listen` stream until the client cancels it.
    func listen(_ context: RequestContext) async throws -> JSONObject {
        let requested: SubscriptionFilter
        do { requested = try SubscriptionsListenParams(json: context.params).notifications } catch {
            throw ServerError.invalidParams("invalid subscriptions/listen parameters: \(error)")
        }
        let subscriptionID = context.requestID
        let changes = self.changes.subscribe()
        await context.channel.notify(
            JSONRPCNotification(
                method: NotificationMethod.subscriptionsAcknowledged,
                params: SubscriptionsAcknowledgedParams(notifications: requested, subscriptionId: subscriptionID).json
            )
        )
        for await change in changes {
            let wanted: Bool
            switch change {
            case .toolsListChanged: wanted = requested.toolsListChanged
            case .promptsListChanged: wanted = requested.promptsListChanged
            case .resourcesListChanged: wanted = requested.resourcesListChanged
            case .resourceUpdated(let uri): wanted = requested.resourceSubscriptions.contains(uri)
            }
            guard wanted else { continue }
            var notification = change.notification
            var params = notification.params ?? [:]
            params["_meta"] = .object([MetaKey.subscriptionId: subscriptionID.jsonValue])
            notification.params = params
            await context.channel.notify(notification)
        }
        try Task.checkCancellation()
        return ["_meta": .object([MetaKey.subscriptionId: subscriptionID.jsonValue])]
    }
}
