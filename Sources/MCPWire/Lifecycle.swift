public import JSONCore

/// `initialize` parameters (legacy revisions).
public struct InitializeParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("protocolVersion", .string)
        try json.require("capabilities", as: ClientCapabilities.self)
        try json.require("clientInfo", as: Implementation.self)
    }

    public init(protocolVersion: ProtocolVersion, capabilities: ClientCapabilities, clientInfo: Implementation) {
        json = [
            "protocolVersion": .string(protocolVersion.rawValue),
            "capabilities": .object(capabilities.json),
            "clientInfo": .object(clientInfo.json),
        ]
    }

    public var protocolVersion: ProtocolVersion { ProtocolVersion(json.string("protocolVersion") ?? "") }
    public var capabilities: ClientCapabilities { json.wrapped("capabilities") ?? ClientCapabilities() }
    public var clientInfo: Implementation { json.wrapped("clientInfo") ?? Implementation(name: "", version: "") }
}

/// `initialize` result (legacy revisions): the version the server chose, its capabilities
/// and identity.
public struct InitializeResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("protocolVersion", .string)
        try json.require("capabilities", as: ServerCapabilities.self)
        try json.require("serverInfo", as: Implementation.self)
        try json.optional("instructions", .string)
    }

    public init(
        protocolVersion: ProtocolVersion,
        capabilities: ServerCapabilities,
        serverInfo: Implementation,
        instructions: String? = nil
    ) {
        json = [
            "protocolVersion": .string(protocolVersion.rawValue),
            "capabilities": .object(capabilities.json),
            "serverInfo": .object(serverInfo.json),
        ]
        json.set("instructions", instructions)
    }

    public var protocolVersion: ProtocolVersion { ProtocolVersion(json.string("protocolVersion") ?? "") }
    public var capabilities: ServerCapabilities { json.wrapped("capabilities") ?? ServerCapabilities() }
    public var serverInfo: Implementation { json.wrapped("serverInfo") ?? Implementation(name: "", version: "") }
    public var instructions: String? { json.string("instructions") }
}

/// `server/discover` result (2026-07-28): supported versions, capabilities, identity.
public struct DiscoverResult: CacheableResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCache(json)
        try json.require("supportedVersions", .array)
        try json.require("capabilities", as: ServerCapabilities.self)
        try json.optional("instructions", .string)
    }

    public init(
        supportedVersions: [ProtocolVersion],
        capabilities: ServerCapabilities,
        serverInfo: Implementation?,
        instructions: String? = nil,
        ttlMs: Int = 0,
        cacheScope: CacheScope = .public
    ) {
        json = [
            "resultType": "complete",
            "supportedVersions": .array(supportedVersions.map { .string($0.rawValue) }),
            "capabilities": .object(capabilities.json),
        ]
        if let serverInfo { json["_meta"] = .object([MetaKey.serverInfo: .object(serverInfo.json)]) }
        json.set("instructions", instructions)
        json["ttlMs"] = .int(ttlMs)
        json["cacheScope"] = .string(cacheScope.rawValue)
    }

    public var supportedVersions: [ProtocolVersion] {
        (json.strings("supportedVersions") ?? []).map(ProtocolVersion.init(rawValue:))
    }
    public var capabilities: ServerCapabilities { json.wrapped("capabilities") ?? ServerCapabilities() }
    public var instructions: String? { json.string("instructions") }
}

/// The `data` of an `UnsupportedProtocolVersionError` (-32022).
public struct UnsupportedVersionData: Sendable, Hashable {
    /// The versions the server serves.
    public var supported: [ProtocolVersion]
    /// The version the client asked for.
    public var requested: ProtocolVersion?

    public init(supported: [ProtocolVersion], requested: ProtocolVersion?) {
        self.supported = supported
        self.requested = requested
    }

    /// Reads the data of an error, if it has this shape.
    public init?(_ data: JSONValue?) {
        guard let object = data?.objectValue, let supported = object.strings("supported") else { return nil }
        self.supported = supported.map(ProtocolVersion.init(rawValue:))
        self.requested = object.string("requested").map(ProtocolVersion.init(rawValue:))
    }

    public var jsonValue: JSONValue {
        var object: JSONObject = ["supported": .array(supported.map { .string($0.rawValue) })]
        if let requested { object["requested"] = .string(requested.rawValue) }
        return .object(object)
    }
}

/// The standard members a modern request carries in `params._meta`.
public struct RequestMetadata: Sendable, Hashable {
    public var protocolVersion: ProtocolVersion
    public var clientCapabilities: ClientCapabilities
    public var clientInfo: Implementation?
    /// The minimum level of `notifications/message` the client wants for this request.
    public var logLevel: LoggingLevel?

    public init(
        protocolVersion: ProtocolVersion,
        clientCapabilities: ClientCapabilities,
        clientInfo: Implementation?,
        logLevel: LoggingLevel? = nil
    ) {
        self.protocolVersion = protocolVersion
        self.clientCapabilities = clientCapabilities
        self.clientInfo = clientInfo
        self.logLevel = logLevel
    }

    /// Reads the standard members of a request's `_meta`; `nil` when the request is not modern.
    public init?(meta: JSONObject?) {
        guard let meta, let version = meta.string(MetaKey.protocolVersion) else { return nil }
        self.protocolVersion = ProtocolVersion(version)
        self.clientCapabilities =
            meta.object(MetaKey.clientCapabilities).map(ClientCapabilities.init(uncheckedJSON:))
            ?? ClientCapabilities()
        self.clientInfo = meta.object(MetaKey.clientInfo).map(Implementation.init(uncheckedJSON:))
        self.logLevel = meta.string(MetaKey.logLevel).flatMap(LoggingLevel.init(rawValue:))
    }

    /// Writes these members into `meta`, keeping whatever else it holds.
    public func apply(to meta: inout JSONObject) {
        meta[MetaKey.protocolVersion] = .string(protocolVersion.rawValue)
        meta[MetaKey.clientCapabilities] = .object(clientCapabilities.json)
        if let clientInfo { meta[MetaKey.clientInfo] = .object(clientInfo.json) }
        if let logLevel { meta[MetaKey.logLevel] = .string(logLevel.rawValue) }
    }
}
