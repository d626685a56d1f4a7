public import JSONCore
public import MCPClient
import MCPWire
import Synchronization

/// Answers repeated reads from memory, as the specification's cache hints allow.
///
/// - Keys are server + method + parameters in canonical form (member order does not matter).
/// - A modern result's `ttlMs` decides how long it stays (`0` means not at all); results from
///   older servers stay ``Configuration/defaultTTL``.
/// - A result's `cacheScope` decides who may reuse it: `public` results serve every session
///   sharing this cache; `private` ones (and results with no scope) only sessions with the
///   same ``InterceptorContext/authorizationContext``.
/// - `tools/call` is cached only for tools that are read-only *and* idempotent by trusted
///   annotations, or that this cache's ``Configuration/tools`` lists (see ``CallSafety``).
/// - `list_changed` drops that server's lists (and, for tools, cached tool results); a modern
///   session with a cache listens for them on its own (``ClientConfiguration/listenForChanges``);
///   `resources/updated` drops reads of that URI; a lost connection drops the server's entries.
/// - ``RequestOptions/bypassCache`` skips it for one call.
public final class CacheInterceptor: RequestInterceptor {
    public struct Configuration: Sendable {
        public var maximumEntries: Int
        public var maximumBytes: Int
        /// How long results without `ttlMs` (older servers) are kept; zero keeps none.
        public var defaultTTL: Duration
        /// Tools whose results are cached whatever their annotations say.
        public var tools: Set<String>

        public init(maximumEntries: Int = 10_000, maximumBytes: Int = 64 << 20, defaultTTL: Duration = .seconds(30), tools: Set<String> = []) {
            self.maximumEntries = maximumEntries
            self.maximumBytes = maximumBytes
            self.defaultTTL = defaultTTL
            self.tools = tools
        }
    }

    public let name = "cache"
    /// The cache drops entries on change notifications, so a modern session should ask for them.
    public var listensForChanges: Bool { true }
    public let configuration: Configuration
    private let cache: Mutex<ResultCache>
    private let metrics: SwitchboardMetrics

    public init(configuration: Configuration = Configuration(), metrics: SwitchboardMetrics = .shared) {
        self.configuration = configuration
        self.metrics = metrics
        self.cache = Mutex(ResultCache(maximumEntries: configuration.maximumEntries, maximumBytes: configuration.maximumBytes))
    }

    /// Hits, misses, evictions, entries and bytes so far.
    public var statistics: ResultCache.Statistics { cache.withLock { $0.statistics } }

    /// Only calls it may answer (and every call when a trace is kept, to say why not).
    public func handles(_ request: InterceptedRequest, context: InterceptorContext) -> Bool {
        context.timeline != nil || (!request.options.bypassCache && context.isCacheable(request, cacheable: configuration.tools))
    }

    public func intercept(
        _ request: InterceptedRequest,
        context: InterceptorContext,
        next: InterceptorNext
    ) async throws(MCPError)
        -> JSONObject
    {
        guard !request.options.bypassCache, context.isCacheable(request, cacheable: configuration.tools) else {
            context.note(name, request.options.bypassCache ? "bypassed for this call" : "not cacheable (not a read, or annotations not trusted)")
            return try await next(request, context)
        }
        var context = context
        let key = requestKey(request, &context)
        if let hit = cache.withLock({ $0.get(key, now: .now, authorizationContext: context.authorizationContext) }) {
            context.note(name, "hit")
            metrics.cache(server: context.server, hit: true)
            return hit.value
        }
        context.note(name, "miss")
        metrics.cache(server: context.server, hit: false)
        let result = try await next(request, context)
        store(result, key: key, request: request, context: context)
        return result
    }

    private func store(_ result: JSONObject, key: String, request: InterceptedRequest, context: InterceptorContext) {
        let ttl: Duration
        if let milliseconds = result.int("ttlMs") {
            ttl = .milliseconds(Int64(milliseconds))
        } else {
            ttl = configuration.defaultTTL
        }
        guard ttl > .zero else { return }
        let entry = ResultCache.Entry(
            value: result,
            bytes: JSONValue.object(result).serialized().count,
            expires: .now + ttl,
            scope: result.string("cacheScope").map(CacheScope.init(rawValue:)) ?? .private,
            server: context.server,
            method: request.method,
            uri: request.params.string("uri"),
            authorizationContext: context.authorizationContext
        )
        let (statistics, evicted) = cache.withLock { cache in
            let before = cache.statistics.evictions
            cache.put(key, entry)
            return (cache.statistics, cache.statistics.evictions - before)
        }
        metrics.cacheSize(entries: statistics.entries, bytes: statistics.bytes, evicted: evicted)
    }

    public func didReceive(_ notification: ServerNotification, server: String) {
        let stale: Set<String>
        var uri: String?
        switch notification {
        case .toolsListChanged: stale = [Method.toolsList, Method.toolsCall]
        case .promptsListChanged: stale = [Method.promptsList, Method.promptsGet]
        case .resourcesListChanged: stale = [Method.resourcesList, Method.resourceTemplatesList]
        case .resourceUpdated(let updated):
            stale = [Method.resourcesRead]
            uri = updated
        default: return
        }
        drop { entry in entry.server == server && stale.contains(entry.method) && (uri == nil || entry.uri == uri) }
    }

    public func connectionLost(server: String) {
        // A restarted server may answer differently; forget what it said before.
        drop { $0.server == server }
    }

    /// Drops everything.
    public func removeAll() {
        drop { _ in true }
    }

    private func drop(where shouldDrop: (ResultCache.Entry) -> Bool) {
        let statistics = cache.withLock { cache in
            _ = cache.removeAll(where: shouldDrop)
            return cache.statistics
        }
        metrics.cacheSize(entries: statistics.entries, bytes: statistics.bytes, evicted: 0)
    }
}
