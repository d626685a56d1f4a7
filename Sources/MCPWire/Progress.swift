public import JSONCore

/// `notifications/progress` parameters.
public struct ProgressParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        guard let token = json["progressToken"], RequestID(token) != nil else {
            throw WireError(path: "/progressToken", reason: "progressToken must be a string or an integer")
        }
        try json.require("progress", .number)
        try json.optional("total", .number)
        try json.optional("message", .string)
    }
    public init(progressToken: ProgressToken, progress: Double, total: Double? = nil, message: String? = nil) {
        json = ["progressToken": progressToken.jsonValue, "progress": .double(progress)]
        json.set("total", total)
        json.set("message", message)
    }
    public var progressToken: ProgressToken { json["progressToken"].flatMap(RequestID.init) ?? .int(0) }
    /// Work done so far; increases with every notification.
    public var progress: Double { json.double("progress") ?? 0 }
    /// Total work, when known.
    public var total: Double? { json.double("total") }
    public var message: String? { json.string("message") }
}

/// `notifications/cancelled` parameters.
public struct CancelledParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        guard let id = json["requestId"], RequestID(id) != nil else {
            throw WireError(path: "/requestId", reason: "requestId must be a string or an integer")
        }
        try json.optional("reason", .string)
    }
    public init(requestId: RequestID, reason: String? = nil) {
        json = ["requestId": requestId.jsonValue]
        json.set("reason", reason)
    }
    public var requestId: RequestID { json["requestId"].flatMap(RequestID.init) ?? .int(0) }
    public var reason: String? { json.string("reason") }
}

/// `notifications/resources/updated` parameters.
public struct ResourceUpdatedParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) { try json.require("uri", .string) }
    public init(uri: String) { json = ["uri": .string(uri)] }
    public var uri: String { json.string("uri") ?? "" }
}
