public import JSONCore
import MCPClient
public import MCPServer
public import MCPWire
import SwitchboardAudit
import SwitchboardConfiguration
public import SwitchboardHub
import Synchronization

/// The gateway's catalog: every ready server's tools, resources and prompts, as the hub has
/// them, narrowed to what the caller's roles allow. Tools and prompts go by their qualified
/// names (`server__tool`); resources by their servers' own URIs.
///
/// What a caller may not see is, to it, not there: a call to it is refused with the same
/// words as a call to a tool that does not exist, and suggestions come only from what it
/// may see.
public struct HubCatalog: CatalogProvider {
    public let hub: Hub
    let access: @Sendable () -> GatewayAccess
    let audit: AuditTrail?
    let metrics: GatewayMetrics?
    /// A virtual server's subset of the catalog, applied on top of every caller's grant.
    let subset: AccessPolicy.Grant?

    /// - Parameters:
    ///   - access: the access rules in force (they change when the file is reloaded).
    ///   - audit: where calls, reads and prompts are recorded; nil records nothing.
    ///   - metrics: where they are counted and timed; nil counts nothing.
    public init(
        hub: Hub,
        audit: AuditTrail? = nil,
        metrics: GatewayMetrics? = nil,
        subset: AccessPolicy.Grant? = nil,
        access: @escaping @Sendable () -> GatewayAccess
    ) {
        self.hub = hub
        self.audit = audit
        self.metrics = metrics
        self.subset = subset
        self.access = access
    }

    /// Runs `body` as `principal`'s `action` on `target`, recorded in the audit log and the metrics.
    func audited<Result: Sendable>(
        _ action: String,
        _ target: String,
        _ facts: RequestFacts,
        in context: RequestContext,
        outcome: (Result) -> AuditEvent.Outcome = { _ in .ok },
        _ body: () async throws -> Result
    ) async throws -> Result {
        metrics?.begin()
        let started = ContinuousClock.now
        let modern = context.protocolVersion >= .v2026_07_28
        do {
            let result: Result
            if let audit {
                result = try await audit.audited(action, target, facts, outcome: outcome, body)
            } else {
                result = try await body()
            }
            metrics?.end(method: action, modern: modern, principal: facts.principal.name, outcome: outcome(result).rawValue, duration: .now - started)
            return result
        } catch {
            let refused = (error as? ServerError)?.error.data?["reason"] == "auditUnavailable"
            let label = refused ? AuditEvent.Outcome.refused.rawValue : AuditEvent.Outcome.error.rawValue
            metrics?.end(method: action, modern: modern, principal: facts.principal.name, outcome: label, duration: .now - started)
            throw error
        }
    }

    /// Refuses `principal` the `kind` named `name`, as for a name that does not exist, and records it.
    func refuse(_ action: String, _ kind: String, _ name: String, among visible: [String], _ facts: RequestFacts) async -> ServerError {
        let error = Self.unknown(kind, name, among: visible, for: facts.principal)
        await audit?.denied(action, name, facts, error.error.message)
        metrics?.denied("role")
        return error
    }

    public var capabilities: ServerCapabilities {
        var capabilities = ServerCapabilities()
        capabilities.tools = ["listChanged": true]
        capabilities.resources = ["listChanged": true]
        capabilities.prompts = ["listChanged": true]
        capabilities.completions = [:]
        return capabilities
    }

    /// What one caller sees depends on its roles.
    public var cacheScope: CacheScope { .private }

    /// The caller and what it may do. A request reaches here only authenticated (the HTTP
    /// layer refuses the rest); one without a principal is a wiring mistake, refused.
    func grant(_ context: RequestContext) throws(ServerError) -> (Principal, AccessPolicy.Grant) {
        let caller = try caller(context)
        let grant = caller.principal.method == .local ? .everything : access().policy.grant(for: caller.principal.roles)
        return (caller.principal, subset.map { grant.narrowed(to: $0) } ?? grant)
    }

    func caller(_ context: RequestContext) throws(ServerError) -> GatewayCaller {
        if let caller = context.caller as? GatewayCaller { return caller }
        if let principal = context.caller as? Principal { return GatewayCaller(principal: principal) }
        throw ServerError(code: ErrorCode.invalidRequest, message: "the request carries no authenticated caller", httpStatus: 401)
    }

    /// What the audit log records of this request.
    func facts(_ context: RequestContext, server: String?, arguments: JSONObject?) throws(ServerError) -> RequestFacts {
        RequestFacts(
            caller: try caller(context),
            server: server,
            // Serializing and hashing the arguments is for the audit record alone: no log, no work.
            argumentsSHA256: audit == nil ? nil : arguments.map(AuditEvent.digest(ofArguments:)),
            requestID: context.requestID.description
        )
    }

    // MARK: - Tools

    func visibleTools(_ grant: AccessPolicy.Grant) -> [QualifiedTool] {
        hub.tools.filter { grant.permits(.tool, $0.qualifiedName) }
    }

    /// The server of the tool whose qualified name is `name`; nil when there is none (the hub
    /// also routes bare names; the gateway lists and takes qualified ones only, which its
    /// policy's globs match).
    func serverOfTool(_ name: String) -> String? {
        guard let route = try? hub.resolve(name),
            QualifiedName(server: route.server, name: route.tool, separator: hub.configuration.separator).description == name
        else { return nil }
        return route.server
    }

    public func tools(_ context: RequestContext) async throws -> [Tool] {
        let (_, grant) = try grant(context)
        return visibleTools(grant).map { entry in
            var tool = entry.tool
            tool.name = entry.qualifiedName
            return tool
        }
    }

    public func callTool(_ name: String, arguments: JSONObject, _ context: RequestContext) async throws -> CallToolResult {
        let (_, grant) = try grant(context)
        // A route lookup, not the whole catalog, on the way to every call; the catalog only
        // for the refusal's suggestions.
        let server = serverOfTool(name)
        let facts = try facts(context, server: server, arguments: arguments)
        guard grant.permits(.tool, name), server != nil else {
            throw await refuse(Method.toolsCall, "tool", name, among: visibleTools(grant).map(\.qualifiedName), facts)
        }
        return try await audited(Method.toolsCall, name, facts, in: context, outcome: { $0.isError ? .toolError : .ok }) {
            try await forward(name, arguments, context)
        }
    }

    /// Calls the tool upstream, passing its progress on when the client asked for it.
    func forward(_ name: String, _ arguments: JSONObject, _ context: RequestContext) async throws -> CallToolResult {
        guard context.progressToken != nil else { return try await call(name, arguments, options: .default) }
        // The upstream server's progress goes on to the client, in order, as it comes.
        let (updates, continuation) = AsyncStream.makeStream(of: ProgressParams.self, bufferingPolicy: .bufferingNewest(256))
        let options = RequestOptions(onProgress: { continuation.yield($0) })
        return try await withThrowingTaskGroup(of: CallToolResult?.self) { group in
            group.addTask {
                for await update in updates { await context.reportProgress(update.progress, total: update.total, message: update.message) }
                return nil
            }
            group.addTask {
                defer { continuation.finish() }
                return try await call(name, arguments, options: options)
            }
            var result: CallToolResult?
            for try await outcome in group where outcome != nil { result = outcome }
            guard let result else { preconditionFailure("the call's child returns a result or throws") }
            return result
        }
    }

    func call(_ name: String, _ arguments: JSONObject, options: RequestOptions) async throws(ServerError) -> CallToolResult {
        do {
            return try await hub.callTool(name, arguments: arguments, options: options)
        } catch {
            throw ServerError(forwarding: error)
        }
    }

    // MARK: - Resources

    public func resources(_ context: RequestContext) async throws -> [Resource] {
        let (_, grant) = try grant(context)
        return await hub.resources().resources.map(\.resource).filter { grant.permits(.resource, $0.uri) }
    }

    public func resourceTemplates(_ context: RequestContext) async throws -> [ResourceTemplate] {
        let (_, grant) = try grant(context)
        return await templates().map(\.template).filter { grant.permits(.resource, $0.uriTemplate) }
    }

    public func readResource(_ uri: String, _ context: RequestContext) async throws -> ReadResourceResult {
        let (principal, grant) = try grant(context)
        let facts = try facts(context, server: nil, arguments: nil)
        guard grant.permits(.resource, uri) else {
            let error = ServerError(
                code: ErrorCode.invalidParams,
                message: "resource not found: \(uri) (as \(principal.name) sees it)",
                data: ["uri": .string(uri)]
            )
            await audit?.denied(Method.resourcesRead, uri, facts, error.error.message)
            metrics?.denied("role")
            throw error
        }
        return try await audited(Method.resourcesRead, uri, facts, in: context) {
            do {
                return try await hub.readResource(uri)
            } catch {
                throw ServerError(forwarding: error)
            }
        }
    }

    /// One server's resource template.
    struct ServerTemplate: Sendable {
        var server: String
        var template: ResourceTemplate
    }

    /// Every ready server's templates, listed now; a server whose list fails is left out.
    func templates() async -> [ServerTemplate] {
        let sessions = hub.statuses.filter { $0.phase == .ready }.compactMap { status -> (String, ClientSession)? in
            guard let session = try? hub.session(for: status.name), session.serverCapabilities.resources != nil else { return nil }
            return (status.name, session)
        }
        var listed: [String: [ResourceTemplate]] = [:]
        await withTaskGroup(of: ServerTemplates.self) { group in
            for (server, session) in sessions {
                group.addTask { await Self.templates(of: server, session) }
            }
            for await result in group { listed[result.server] = result.templates }
        }
        return sessions.flatMap { server, _ in (listed[server] ?? []).map { ServerTemplate(server: server, template: $0) } }
    }

    /// A struct, not a tuple, as a task-group child's result (see `Hub.resources()`).
    struct ServerTemplates: Sendable {
        var server: String
        var templates: [ResourceTemplate]
    }

    static func templates(of server: String, _ session: ClientSession) async -> ServerTemplates {
        let templates: [ResourceTemplate]
        do throws(MCPError) { templates = try await session.allResourceTemplates() } catch { templates = [] }
        return ServerTemplates(server: server, templates: templates)
    }

    // MARK: - Prompts and completion

    func visiblePrompts(_ grant: AccessPolicy.Grant) -> [QualifiedPrompt] {
        hub.prompts.filter { grant.permits(.prompt, $0.qualifiedName) }
    }

    public func prompts(_ context: RequestContext) async throws -> [Prompt] {
        let (_, grant) = try grant(context)
        return visiblePrompts(grant).map { entry in
            var prompt = entry.prompt
            prompt.json["name"] = .string(entry.qualifiedName)
            return prompt
        }
    }

    public func getPrompt(_ name: String, arguments: [String: String], _ context: RequestContext) async throws -> GetPromptResult {
        let (_, grant) = try grant(context)
        let visible = visiblePrompts(grant)
        let prompt = visible.first { $0.qualifiedName == name }
        var promptArguments = JSONObject()
        for (key, value) in arguments { promptArguments[key] = .string(value) }
        let facts = try facts(context, server: prompt?.server, arguments: promptArguments)
        guard prompt != nil else {
            throw await refuse(Method.promptsGet, "prompt", name, among: visible.map(\.qualifiedName), facts)
        }
        return try await audited(Method.promptsGet, name, facts, in: context) {
            do {
                return try await hub.getPrompt(name, arguments: arguments)
            } catch {
                throw ServerError(forwarding: error)
            }
        }
    }

    public func complete(_ params: CompleteParams, _ context: RequestContext) async throws -> CompleteResult {
        let (principal, grant) = try grant(context)
        let server: String
        let reference: CompletionReference
        switch params.ref {
        case .prompt(let name)?:
            let visible = visiblePrompts(grant)
            guard let prompt = visible.first(where: { $0.qualifiedName == name }) else {
                throw Self.unknown("prompt", name, among: visible.map(\.qualifiedName), for: principal)
            }
            (server, reference) = (prompt.server, .prompt(name: prompt.prompt.name))
        case .resourceTemplate(let uri)?:
            guard grant.permits(.resource, uri), let owner = await templates().first(where: { $0.template.uriTemplate == uri }) else {
                return CompleteResult(values: [], total: 0, hasMore: false)
            }
            (server, reference) = (owner.server, .resourceTemplate(uri: uri))
        case nil:
            throw ServerError.invalidParams("completion needs a ref of type ref/prompt or ref/resource")
        }
        do {
            let session = try hub.session(for: server)
            let context = params.contextArguments
            return try await session.complete(
                reference,
                argument: params.argumentName,
                value: params.argumentValue,
                context: context.isEmpty ? nil : context
            )
        } catch {
            throw ServerError(forwarding: error)
        }
    }

    /// The refusal for a name the caller cannot use, alike whether it exists or is hidden.
    static func unknown(_ kind: String, _ name: String, among visible: [String], for principal: Principal) -> ServerError {
        let hint = Suggestion.closest(to: name, in: visible).map { "; did you mean \"\($0)\"?" } ?? ""
        return ServerError.invalidParams("no \(kind) \"\(name)\" is available to \(principal.name)\(hint)")
    }
}

extension ServerError {
    /// The error to send a gateway's client for what an upstream call threw: the upstream
    /// server's own JSON-RPC error as it was; bad arguments as invalid params; anything else
    /// (a server down, a timeout, an open breaker) as an internal error naming the cause in
    /// `data.reason`.
    init(forwarding error: any Error) {
        guard let error = error as? MCPError else {
            self.init(code: ErrorCode.internalError, message: "\(error)")
            return
        }
        switch error.code {
        case .serverError:
            if let rpc = error.rpcError {
                self.init(code: rpc.code, message: rpc.message, data: rpc.data)
            } else {
                self.init(code: ErrorCode.internalError, message: error.message)
            }
        case .invalidArguments:
            self.init(code: ErrorCode.invalidParams, message: error.message)
        default:
            var data: JSONObject = ["reason": .string(error.code.description)]
            if let retryAfter = error.retryAfter {
                data["retryAfterMs"] = .int(Int(retryAfter.components.seconds * 1000 + retryAfter.components.attoseconds / 1_000_000_000_000_000))
            }
            self.init(code: ErrorCode.internalError, message: error.message, data: .object(data))
        }
    }
}
