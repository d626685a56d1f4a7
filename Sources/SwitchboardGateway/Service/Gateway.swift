import HTTPTypes
import Hummingbird
import HummingbirdAuth
import JSONCore
public import Logging
import MCPClient
import MCPServer
public import MCPServerHTTP
import MCPTransport
import MCPWire
import NIOCore
import ServiceLifecycle
public import SwitchboardAudit
import SwitchboardConfiguration
public import SwitchboardHub
import Synchronization
import UnixSignals

/// How the gateway listens and answers.
public struct GatewayOptions: Sendable {
    /// The address to bind. Anything but loopback needs a `"gateway"` section that says who
    /// may call.
    public var host: String
    /// The port, or 0 for any free one.
    public var port: Int
    /// The MCP endpoint's path, answer mode and limits.
    public var endpoint: HTTPEndpointOptions
    /// Items per page of list results.
    public var pageSize: Int?
    /// Where the gateway's own messages go (reloads refused, and the like).
    public var logger: Logger
    /// Where calls, reads, prompts and refused credentials are recorded; nil records nothing.
    public var auditLog: AuditLog?
    /// The metrics in Prometheus's text format, from whichever registry the process
    /// bootstrapped swift-metrics with, for `GET /metrics`; nil serves no `/metrics`.
    public var metricsExposition: (@Sendable () -> [UInt8])?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        endpoint: HTTPEndpointOptions = HTTPEndpointOptions(),
        pageSize: Int? = 100,
        logger: Logger = Logger(label: "switchboard.gateway"),
        auditLog: AuditLog? = nil,
        metricsExposition: (@Sendable () -> [UInt8])? = nil
    ) {
        self.metricsExposition = metricsExposition
        self.host = host
        self.port = port
        self.endpoint = endpoint
        self.pageSize = pageSize
        self.logger = logger
        self.auditLog = auditLog
    }
}

/// Why the gateway will not start as configured.
public struct GatewayProblem: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// `switchboard serve`: every server of a hub behind one MCP endpoint over Streamable HTTP,
/// for clients of both protocol eras, with API-key authentication and per-role access.
///
/// Routes: the MCP endpoint (``GatewayOptions/endpoint``, `/mcp`), `GET /healthz` (the
/// process answers) and `GET /readyz` (503 until at least one server is ready, and while the
/// audit log cannot be written). The catalog
/// follows the hub: when a server's list changes, a server comes or goes, or the file is
/// reloaded (keys and roles too), connected clients are told the lists changed.
public final class Gateway: Sendable {
    public let hub: Hub
    public let options: GatewayOptions
    let access: AccessRules
    let server: Server
    let endpoint: MCPHTTPEndpoint
    /// `/sse` and `/messages`, for 2024-11-05 clients of the HTTP+SSE transport.
    let sseEndpoint: SSEEndpoint
    /// `/mcp/<name>`: the configuration's virtual servers.
    let virtualServers: VirtualServers
    /// The alert rules, their state (`GET /alerts`) and their webhooks.
    let alerts: AlertMonitor
    let audit: AuditTrail?
    let metrics: GatewayMetrics

    /// The access rules in force, replaced on reload.
    final class AccessRules: Sendable {
        let current: Mutex<GatewayAccess>
        init(_ access: GatewayAccess) { current = Mutex(access) }
        var value: GatewayAccess { current.withLock { $0 } }
    }

    /// Refuses a configuration that would expose servers to the network without asking who
    /// calls, or that could let nobody in.
    public init(hub: Hub, options: GatewayOptions = GatewayOptions()) throws(GatewayProblem) {
        let settings = hub.configuration.gateway
        let access = try Self.access(settings, endpointPath: options.endpoint.path)
        try Self.checkExposure(settings, host: options.host)
        self.hub = hub
        self.options = options
        let rules = AccessRules(access)
        self.access = rules
        let metrics = GatewayMetrics()
        self.metrics = metrics
        let audit = options.auditLog.map { AuditTrail(log: $0, logger: options.logger, metrics: metrics) }
        self.audit = audit
        let pageSize = options.pageSize
        @Sendable func makeServer(_ name: String, subset: AccessPolicy.Grant?) -> Server {
            Server(
                info: Implementation(name: name, version: switchboardVersion),
                instructions: "Tools, resources and prompts of several MCP servers; names are qualified as server\(hub.configuration.separator)name.",
                options: Server.Options(pageSize: pageSize),
                catalog: HubCatalog(hub: hub, audit: audit, metrics: metrics, subset: subset) { rules.value }
            )
        }
        server = makeServer("switchboard-gateway", subset: nil)
        endpoint = MCPHTTPEndpoint(server: server, options: options.endpoint)
        let endpointOptions = options.endpoint
        virtualServers = VirtualServers { name, subset in
            let server = makeServer("switchboard-gateway/\(name)", subset: AccessPolicy.Grant(subset))
            var options = endpointOptions
            options.path = endpointOptions.path + "/" + name
            return VirtualServers.Entry(subset: subset, server: server, endpoint: MCPHTTPEndpoint(server: server, options: options))
        }
        virtualServers.update(settings?.virtualServers ?? [:])
        alerts = AlertMonitor(
            settings: settings?.alerts ?? GatewaySettings.AlertSettings(),
            hub: hub,
            audit: audit,
            metrics: metrics,
            logger: options.logger
        )
        sseEndpoint = SSEEndpoint(server: server, options: options.endpoint)
    }

    static func access(_ settings: GatewaySettings?, endpointPath: String) throws(GatewayProblem) -> GatewayAccess {
        do { return try GatewayAccess(settings: settings, endpointPath: endpointPath) } catch {
            throw GatewayProblem("\"gateway\": \(error.description)")
        }
    }

    static func checkExposure(_ settings: GatewaySettings?, host: String) throws(GatewayProblem) {
        if let settings {
            guard !settings.apiKeys.isEmpty || settings.jwt != nil || settings.anonymousRoles != nil else {
                throw GatewayProblem(
                    "\"gateway\" has no \"apiKeys\", no \"jwt\" and no \"anonymous\", so no request could be let in; add an API key (switchboard keys create NAME --role ROLE)"
                )
            }
            return
        }
        guard isLoopback(host) else {
            throw GatewayProblem(
                "the configuration has no \"gateway\" section, so every caller could use every server: "
                    + "bind to 127.0.0.1, or add \"gateway\": {\"apiKeys\": [...], \"roles\": {...}} before listening on \(host)"
            )
        }
    }

    /// Whether `host` is reachable from this machine only.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Who the access rules let in, for the startup message.
    public var accessSummary: String {
        let access = self.access.value
        if access.isOpen { return "no \"gateway\" section: every local caller may use everything" }
        var parts = ["\(access.keys.entries.count) API key\(access.keys.entries.count == 1 ? "" : "s")"]
        if let tokens = access.tokens { parts.append("tokens from \(tokens.claims.setting.issuer)") }
        if let anonymous = access.anonymous { parts.append("anonymous callers as \(anonymous.roles.joined(separator: ", "))") }
        return parts.joined(separator: ", ")
    }

    /// Serves until the process gets SIGTERM or SIGINT (then finishes the requests in flight)
    /// or the task is cancelled. The hub is the caller's to close afterwards.
    ///
    /// - Parameter onListening: called with the bound port once connections are accepted.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: GatewayRequestContext.self)
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { [hub, audit] _, _ in Self.readiness(hub, audit: audit) }
        let rules = access
        let audit = self.audit
        // RFC 9728: the metadata at the endpoint's path form and at the root; 404 without "jwt".
        let metadataPaths = Set([ProtectedResource.wellKnown, ProtectedResource.wellKnown + options.endpoint.path])
        for path in metadataPaths {
            router.get(RouterPath(path)) { request, _ in
                guard let resource = rules.value.resource else { return Response(status: .notFound) }
                return resource.metadataResponse(request)
            }
        }
        let metrics = self.metrics
        let authenticated = router.group()
            .add(middleware: BearerAuthenticator(audit: audit, metrics: metrics, access: { rules.value }, failures: FailureCounter()))
            .add(middleware: RequireCallerMiddleware(audit: audit, metrics: metrics) { rules.value })
        let alerts = self.alerts
        authenticated.get("/alerts") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: alerts.current.serializedString() + "\n"))
            )
        }
        if let exposition = options.metricsExposition {
            // Behind authentication: the series name principals and servers.
            authenticated.get("/metrics") { [hub] _, _ in
                metrics.recordUpstreams(hub.statuses)
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: exposition())))
            }
        }
        let identify: @Sendable (Request, GatewayRequestContext) -> (any CallerIdentity)? = { request, context in context.caller(of: request) }
        let admit: @Sendable (Request, JSONRPCRequest, GatewayRequestContext) async -> HTTPRefusal? = { request, rpc, context in
            guard let caller = context.caller(of: request) else { return nil }
            return await Self.checkScopes(rpc, of: caller, access: rules.value, audit: audit, metrics: metrics, host: request.head.authority)
        }
        endpoint.addRoutes(to: authenticated, identify: identify, admit: admit)
        sseEndpoint.addRoutes(to: authenticated, identify: identify, admit: admit)
        // Virtual servers come and go with the file, so one route finds them by name.
        let virtualServers = self.virtualServers
        let virtualPath = RouterPath(options.endpoint.path + "/:virtual")
        for method in [HTTPRequest.Method.post, .get, .delete] {
            authenticated.on(virtualPath, method: method) { request, context in
                guard let name = context.parameters.get("virtual"), let endpoint = virtualServers.endpoint(name) else {
                    return Response(status: .notFound)
                }
                return try await endpoint.respond(to: request, caller: identify(request, context)) { rpc in await admit(request, rpc, context) }
            }
        }

        let port = options.port
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: port), serverName: "switchboard-gateway"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: Logger(label: "switchboard.gateway.http", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let forwarder = changeForwarder
        var configuration = ServiceGroupConfiguration(
            services: [
                ServiceGroupConfiguration.ServiceConfiguration(service: application),
                // Its end (the hub closed, or shutdown) must not cut the server's graceful drain short.
                ServiceGroupConfiguration.ServiceConfiguration(service: forwarder, successTerminationBehavior: .ignore),
                ServiceGroupConfiguration.ServiceConfiguration(service: alerts, successTerminationBehavior: .ignore),
            ],
            logger: Logger(label: "switchboard.gateway.lifecycle", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Tells clients when the catalog changes, and applies reloaded access rules.
    var changeForwarder: ChangeForwarder {
        ChangeForwarder(
            hub: hub,
            server: server,
            virtualServers: virtualServers,
            access: access,
            host: options.host,
            endpointPath: options.endpoint.path,
            logger: options.logger
        )
    }

    /// Serves the same catalog over stdin and stdout to the process that started the gateway
    /// (a desktop host's one entry for every server), until stdin closes. That caller is the
    /// user who runs it: it may use everything, and is audited as `stdio` (`local`).
    public func runStdio() async throws {
        let caller = GatewayCaller(principal: Principal(name: "stdio", roles: [], method: .local), client: "stdio")
        let session = ServerSession(server: server, transport: StdioServerTransport(), caller: caller)
        let forwarder = changeForwarder
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await forwarder.run() }
            try await session.run()
            group.cancelAll()
        }
    }

    /// A 403 `insufficient_scope` for a token's request on a tool, resource or prompt whose
    /// scopes it lacks (nil lets the request go on: roles decide the rest).
    static func checkScopes(
        _ rpc: JSONRPCRequest,
        of caller: GatewayCaller,
        access: GatewayAccess,
        audit: AuditTrail?,
        metrics: GatewayMetrics,
        host: String?
    ) async -> HTTPRefusal? {
        guard caller.principal.scopes != nil, let (item, action, name) = Self.target(of: rpc) else { return nil }
        let (needed, missing) = access.missingScopes(caller.principal, item, name)
        guard !missing.isEmpty else { return nil }
        let refusal = InsufficientScope(needed: needed, missing: missing, resource: access.resource)
        let facts = RequestFacts(caller: caller, requestID: rpc.id.description)
        await audit?.denied(action, name, facts, refusal.reason)
        metrics.denied("scope")
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = refusal.challenge(host: host).header
        return HTTPRefusal(status: .forbidden, headers: headers, error: JSONRPCError(code: -32001, message: refusal.reason, data: refusal.data))
    }

    /// The item a request is for, the audit action, and the item's name or URI.
    static func target(of rpc: JSONRPCRequest) -> (AccessPolicy.Item, String, String)? {
        switch rpc.method {
        case Method.toolsCall: rpc.params?["name"]?.stringValue.map { (.tool, "tools/call", $0) }
        case Method.resourcesRead, Method.resourcesSubscribe: rpc.params?["uri"]?.stringValue.map { (.resource, rpc.method, $0) }
        case Method.promptsGet: rpc.params?["name"]?.stringValue.map { (.prompt, "prompts/get", $0) }
        default: nil
        }
    }

    /// Ready when a server is and the audit log (if any) takes records: calls would be refused otherwise.
    static func readiness(_ hub: Hub, audit: AuditTrail?) -> Response {
        let statuses = hub.statuses.filter { $0.phase != .disabled }
        let ready = statuses.filter { $0.phase == .ready }.count
        let auditing = audit?.writable.load(ordering: .relaxed) ?? true
        var body: JSONObject = [
            "status": .string(ready > 0 && auditing ? "ready" : "unavailable"),
            "servers": ["ready": .int(ready), "total": .int(statuses.count)],
        ]
        if audit != nil { body["audit"] = .string(auditing ? "writable" : "failing") }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: ready > 0 && auditing ? .ok : .serviceUnavailable,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: JSONValue.object(body).serializedString() + "\n"))
        )
    }

    /// How many legacy sessions are open (Streamable HTTP and HTTP+SSE).
    public var sessionCount: Int { endpoint.sessionCount + sseEndpoint.sessionCount + virtualServers.sessionCount }
}

/// Tells the gateway's clients when the hub's catalog changes, and applies reloaded keys and
/// roles.
struct ChangeForwarder: Service {
    let hub: Hub
    let server: Server
    let virtualServers: VirtualServers
    let access: Gateway.AccessRules
    let host: String
    let endpointPath: String
    let logger: Logger

    func run() async throws {
        for await event in hub.events().cancelOnGracefulShutdown() {
            switch event {
            case .catalogRefreshed, .serverReady, .serverFailed:
                announceAll()
            case .reloaded:
                do throws(GatewayProblem) {
                    let settings = hub.configuration.gateway
                    let replacement = try Gateway.access(settings, endpointPath: endpointPath)
                    try Gateway.checkExposure(settings, host: host)
                    access.current.withLock { $0 = replacement }
                    virtualServers.update(settings?.virtualServers ?? [:])
                } catch {
                    logger.error("reloaded configuration's gateway section refused, the previous one stays: \(error.description)")
                }
                announceAll()
            case .replicaLost, .sessionReestablished, .replicaCrashLooped, .replicaRestored, .reloadRejected:
                break
            }
        }
    }

    func announceAll() {
        for server in [server] + virtualServers.servers {
            server.announce(.toolsListChanged)
            server.announce(.promptsListChanged)
            server.announce(.resourcesListChanged)
        }
    }
}
