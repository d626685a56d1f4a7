public import JSONCore
public import MCPWire

/// Who sent a request, as the transport established it (an authenticated principal behind a
/// gateway); handlers and catalogs decide by it.
public protocol CallerIdentity: Sendable {
    /// A name for logs and audit records; two callers with one name are one caller.
    var name: String { get }
}

/// A catalog computed per request instead of registered up front: what a gateway serves,
/// where what each caller may see and use depends on who it is, and the items come from
/// other servers.
///
/// A ``Server`` given one answers `tools/*`, `resources/*`, `prompts/*` and
/// `completion/complete` from it (paginating the lists itself) and ignores its own registry
/// for them. A thrown ``ServerError`` is sent as it is; any other error as an internal error.
public protocol CatalogProvider: Sendable {
    /// What the server declares, in `initialize` and `server/discover` answers.
    var capabilities: ServerCapabilities { get }
    /// The cache scope list and read results carry (2026-07-28): `private` when they depend on
    /// the caller.
    var cacheScope: CacheScope { get }

    func tools(_ context: RequestContext) async throws -> [Tool]
    func callTool(_ name: String, arguments: JSONObject, _ context: RequestContext) async throws -> CallToolResult
    func resources(_ context: RequestContext) async throws -> [Resource]
    func resourceTemplates(_ context: RequestContext) async throws -> [ResourceTemplate]
    func readResource(_ uri: String, _ context: RequestContext) async throws -> ReadResourceResult
    func prompts(_ context: RequestContext) async throws -> [Prompt]
    func getPrompt(_ name: String, arguments: [String: String], _ context: RequestContext) async throws -> GetPromptResult
    func complete(_ params: CompleteParams, _ context: RequestContext) async throws -> CompleteResult
}

extension Server {
    /// Answers the catalog methods from `catalog`; nil for every other method.
    func dispatch(_ context: RequestContext, to catalog: any CatalogProvider) async throws -> JSONObject? {
        let params = context.params
        let scope = catalog.cacheScope
        switch context.method {
        case Method.toolsList:
            let (page, next) = try paginate(try await catalog.tools(context), cursor: params.string("cursor"))
            return cacheable(ListToolsResult(tools: page, nextCursor: next).json, context, scope: scope)
        case Method.toolsCall:
            guard let name = params.string("name") else { throw ServerError.invalidParams("tool name is required") }
            return try await catalog.callTool(name, arguments: params.object("arguments") ?? [:], context).json
        case Method.resourcesList:
            let (page, next) = try paginate(try await catalog.resources(context), cursor: params.string("cursor"))
            return cacheable(ListResourcesResult(resources: page, nextCursor: next).json, context, scope: scope)
        case Method.resourceTemplatesList:
            let (page, next) = try paginate(try await catalog.resourceTemplates(context), cursor: params.string("cursor"))
            return cacheable(ListResourceTemplatesResult(resourceTemplates: page, nextCursor: next).json, context, scope: scope)
        case Method.resourcesRead:
            guard let uri = params.string("uri") else { throw ServerError.invalidParams("uri is required") }
            return cacheable(try await catalog.readResource(uri, context).json, context, scope: scope)
        case Method.promptsList:
            let (page, next) = try paginate(try await catalog.prompts(context), cursor: params.string("cursor"))
            return cacheable(ListPromptsResult(prompts: page, nextCursor: next).json, context, scope: scope)
        case Method.promptsGet:
            let request = GetPromptParams(uncheckedJSON: params)
            guard !request.name.isEmpty else { throw ServerError.invalidParams("prompt name is required") }
            return try await catalog.getPrompt(request.name, arguments: request.arguments, context).json
        case Method.complete:
            let request: CompleteParams
            do { request = try CompleteParams(json: params) } catch {
                throw ServerError.invalidParams("invalid completion request: \(error)")
            }
            return try await catalog.complete(request, context).json
        default:
            return nil
        }
    }
}
