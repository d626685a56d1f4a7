public import JSONCore

/// Syslog severities, lowest first.
public enum LoggingLevel: String, Sendable, Hashable, CaseIterable, Comparable {
    case debug, info, notice, warning, error, critical, alert, emergency

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: LoggingLevel, rhs: LoggingLevel) -> Bool { lhs.rank < rhs.rank }
}

/// `notifications/message` parameters: one log entry from the server.
public struct LoggingMessageParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("level", .string)
        guard json["data"] != nil else { throw WireError(path: "/data", reason: "required member 'data' is missing") }
        try json.optional("logger", .string)
    }
    public init(level: LoggingLevel, logger: String? = nil, data: JSONValue) {
        json = ["level": .string(level.rawValue)]
        json.set("logger", logger)
        json["data"] = data
    }
    public var level: LoggingLevel { json.string("level").flatMap(LoggingLevel.init(rawValue:)) ?? .info }
    public var logger: String? { json.string("logger") }
    public var data: JSONValue { json["data"] ?? .null }
}
