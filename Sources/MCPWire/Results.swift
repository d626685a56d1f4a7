public import JSONCore

/// What kind of result a response carries (2026-07-28). Absent means ``complete``.
public struct ResultType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let complete = ResultType(rawValue: "complete")
    public static let inputRequired = ResultType(rawValue: "input_required")

    public var description: String { rawValue }
}

/// Who may cache a result (2026-07-28): any shared intermediary, or only the requesting client.
public struct CacheScope: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let `public` = CacheScope(rawValue: "public")
    public static let `private` = CacheScope(rawValue: "private")

    public var description: String { rawValue }
}

/// Members every result shares.
public protocol MCPResult: MCPObject {}

extension MCPResult {
    /// The result type; an absent member means ``ResultType/complete`` (older servers).
    public var resultType: ResultType {
        get { json.string("resultType").map(ResultType.init(rawValue:)) ?? .complete }
        set { json["resultType"] = .string(newValue.rawValue) }
    }

    /// The server's identity from the result's `_meta` (2026-07-28), where modern servers put it.
    public var metaServerInfo: Implementation? {
        meta?.object(MetaKey.serverInfo).map(Implementation.init(uncheckedJSON:))
    }
}

/// Results that carry freshness hints (2026-07-28): lists, reads and discovery.
public protocol CacheableResult: MCPResult {}

extension CacheableResult {
    /// How long, in milliseconds, the result may be reused. `0` means do not cache.
    public var ttlMs: Int? {
        get { json.int("ttlMs") }
        set { json.set("ttlMs", newValue) }
    }
    /// Whether shared intermediaries may cache the result.
    public var cacheScope: CacheScope? {
        get { json.string("cacheScope").map(CacheScope.init(rawValue:)) }
        set { json.set("cacheScope", newValue?.rawValue) }
    }
}

/// Results that are one page of a list.
public protocol PaginatedResult: MCPResult {
    associatedtype Item
    /// The items of this page.
    var items: [Item] { get }
}

extension PaginatedResult {
    /// The cursor for the next page; absent on the last page.
    public var nextCursor: String? {
        get { json.string("nextCursor") }
        set { json.set("nextCursor", newValue) }
    }
}

/// A result with no members of its own (`ping`, `logging/setLevel`, subscribe).
public struct EmptyResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {}
    public init() { json = [:] }
}

extension MCPResult {
    static func validateCommon(_ json: JSONObject) throws(WireError) {
        try json.optional("resultType", .string)
        try json.optional("_meta", .object)
    }
}

extension CacheableResult {
    static func validateCache(_ json: JSONObject) throws(WireError) {
        try validateCommon(json)
        try json.optional("ttlMs", .integer)
        try json.optional("cacheScope", .string)
    }
}
