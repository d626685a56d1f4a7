import JSONCore
import JSONSchema
public import Logging
import MCPTransport
public import MCPWire
import Synchronization

/// How a client session behaves.
public struct ClientConfiguration: Sendable {
    /// This client's name and version, sent to servers.
    public var clientInfo: Implementation
    /// Answers to server requests; they also decide the declared capabilities.
    public var handlers: ClientHandlers
    /// Capabilities declared beyond those the handlers imply (extensions, experimental).
    public var extraCapabilities: ClientCapabilities?
    /// Use exactly this protocol version instead of negotiating.
    public var pinnedVersion: ProtocolVersion?
    /// The deadline of a request when the call gives none.
    public var defaultTimeout: Duration
    /// How long the `server/discover` probe may take before a stdio server is taken as legacy.
    public var probeTimeout: Duration
    /// How many `input_required` rounds one request may take before giving up.
    public var maximumInputRounds: Int
    /// Whether `structuredContent` is checked against the tool's `outputSchema`.
    public var validateStructuredContent: Bool
    /// Where the session logs. Nothing is logged at the default level.
    public var logger: Logger
    /// How many undelivered notifications each subscriber may hold before the oldest are dropped.
    public var notificationBufferSize: Int
    /// The name this server goes by in metrics, caches and traces (the configuration's name);
    /// the server's own reported name when `nil`.
    public var serverName: String?
    /// Wrappers around every request, outermost first (see ``RequestInterceptor``).
    public var interceptors: [any RequestInterceptor]
    /// What may be repeated, cached or failed over, and what a failure proves (see ``CallSafety``).
    public var safety: CallSafety
    /// Whether the server's tool annotations (read-only, idempotent, destructive) are believed.
    /// They are hints from the server and untrusted by default, as the specification says.
    public var trustToolAnnotations: Bool {
        get { safety.trustAnnotations }
        set { safety.trustAnnotations = newValue }
    }
    /// Whether a modern session opens `subscriptions/listen` for list changes when it connects
    /// (legacy servers send them unasked).
    public var listenForChanges: ChangeListening
    /// Names the credentials this session uses (a user, a token's hash), so that caches shared
    /// by several sessions reuse `cacheScope: private` results only within the same one. `nil`
    /// makes every session its own context.
    public var authorizationContext: String?

    public init(
        clientInfo: Implementation = Implementation(name: "switchboard", version: switchboardVersion),
        handlers: ClientHandlers = ClientHandlers(),
        extraCapabilities: ClientCapabilities? = nil,
        pinnedVersion: ProtocolVersion? = nil,
        defaultTimeout: Duration = .seconds(60),
        probeTimeout: Duration = .seconds(10),
        maximumInputRounds: Int = 8,
        validateStructuredContent: Bool = true,
        logger: Logger = Logger(label: "switchboard.client", factory: { _ in SwiftLogNoOpLogHandler() }),
        notificationBufferSize: Int = 1024,
        serverName: String? = nil,
        interceptors: [any RequestInterceptor] = [],
        trustToolAnnotations: Bool = false,
        safeTools: [String] = [],
        listenForChanges: ChangeListening = .whenInterceptorsAsk,
        authorizationContext: String? = nil
    ) {
        self.clientInfo = clientInfo
        self.handlers = handlers
        self.extraCapabilities = extraCapabilities
        self.pinnedVersion = pinnedVersion
        self.defaultTimeout = defaultTimeout
        self.probeTimeout = probeTimeout
        self.maximumInputRounds = maximumInputRounds
        self.validateStructuredContent = validateStructuredContent
        self.logger = logger
        self.notificationBufferSize = notificationBufferSize
        self.serverName = serverName
        self.interceptors = interceptors
        self.safety = CallSafety(trustAnnotations: trustToolAnnotations, safeTools: safeTools)
        self.listenForChanges = listenForChanges
        self.authorizationContext = authorizationContext
    }

    /// The capabilities sent to servers.
    public var capabilities: ClientCapabilities {
        var capabilities = handlers.capabilities
        if let extra = extraCapabilities { capabilities.json.merge(extra.json) }
        return capabilities
    }
}

/// This library's version, sent as `clientInfo.version` by default.
public let switchboardVersion = "0.1.0"

/// When a modern session listens for change notifications on its own.
public enum ChangeListening: Sendable, Hashable {
    /// When an interceptor needs them (``RequestInterceptor/listensForChanges``: a cache does).
    case whenInterceptorsAsk
    /// Always, for every list the server can change.
    case always
    /// Never; the caller calls ``ClientSession/listen(_:)`` when it wants them.
    case never
}
