public import JSONCore
public import MCPWire

/// A bounded least-recently-used cache of results: a pure value, no locking, no I/O.
///
/// Bounded by entry count and by bytes (the size of each result's JSON text); expired entries
/// are dropped when found. Entries remember which server, method, URI and tool they came
/// from, so notifications can remove exactly what they make stale.
public struct ResultCache: Sendable {
    public struct Entry: Sendable {
        public var value: JSONObject
        public var bytes: Int
        public var expires: ContinuousClock.Instant
        public var scope: CacheScope
        public var server: String
        public var method: String
        public var uri: String?
        /// Whose credentials fetched it; a `private` entry serves only the same context.
        public var authorizationContext: String

        public init(
            value: JSONObject,
            bytes: Int,
            expires: ContinuousClock.Instant,
            scope: CacheScope,
            server: String,
            method: String,
            uri: String?,
            authorizationContext: String = ""
        ) {
            self.value = value
            self.bytes = bytes
            self.expires = expires
            self.scope = scope
            self.server = server
            self.method = method
            self.uri = uri
            self.authorizationContext = authorizationContext
        }
    }

    public struct Statistics: Sendable, Hashable {
        public var hits = 0
        public var misses = 0
        public var evictions = 0
        public var entries = 0
        public var bytes = 0
    }

    private struct Node {
        var key: String
        var entry: Entry
        var previous: Int?
        var next: Int?
    }

    public let maximumEntries: Int
    public let maximumBytes: Int
    private var index: [String: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var head: Int?  // most recently used
    private var tail: Int?  // least recently used
    public private(set) var statistics = Statistics()

    public init(maximumEntries: Int, maximumBytes: Int) {
        self.maximumEntries = max(1, maximumEntries)
        self.maximumBytes = max(1, maximumBytes)
    }

    /// The fresh entry for `key`, marked as just used; nil (a miss) when absent, expired, or
    /// private to another authorization context (the specification's `cacheScope: private`).
    public mutating func get(_ key: String, now: ContinuousClock.Instant, authorizationContext: String = "") -> Entry? {
        guard let slot = index[key] else {
            statistics.misses += 1
            return nil
        }
        if nodes[slot].entry.scope == .private && nodes[slot].entry.authorizationContext != authorizationContext {
            statistics.misses += 1
            return nil
        }
        if nodes[slot].entry.expires <= now {
            remove(slot: slot)
            statistics.misses += 1
            return nil
        }
        moveToFront(slot)
        statistics.hits += 1
        return nodes[slot].entry
    }

    /// Stores `entry` under `key`, evicting the least recently used entries to stay in bounds.
    /// An entry larger than the whole byte budget is not stored.
    public mutating func put(_ key: String, _ entry: Entry) {
        if let slot = index[key] { remove(slot: slot) }
        guard entry.bytes <= maximumBytes else { return }
        while statistics.entries >= maximumEntries || statistics.bytes + entry.bytes > maximumBytes, let last = tail {
            remove(slot: last)
            statistics.evictions += 1
        }
        let node = Node(key: key, entry: entry, previous: nil, next: head)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        if let head { nodes[head].previous = slot }
        head = slot
        if tail == nil { tail = slot }
        index[key] = slot
        statistics.entries += 1
        statistics.bytes += entry.bytes
    }

    /// Removes every entry `shouldRemove` picks; returns how many.
    @discardableResult
    public mutating func removeAll(where shouldRemove: (Entry) -> Bool) -> Int {
        let doomed = index.values.filter { shouldRemove(nodes[$0].entry) }
        for slot in doomed { remove(slot: slot) }
        return doomed.count
    }

    private mutating func moveToFront(_ slot: Int) {
        guard head != slot else { return }
        unlink(slot)
        nodes[slot].previous = nil
        nodes[slot].next = head
        if let head { nodes[head].previous = slot }
        head = slot
        if tail == nil { tail = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous
        let next = nodes[slot].next
        if let previous { nodes[previous].next = next } else { head = next }
        if let next { nodes[next].previous = previous } else { tail = previous }
    }

    private mutating func remove(slot: Int) {
        unlink(slot)
        index[nodes[slot].key] = nil
        statistics.entries -= 1
        statistics.bytes -= nodes[slot].entry.bytes
        nodes[slot].entry.value = [:]
        free.append(slot)
    }
}
