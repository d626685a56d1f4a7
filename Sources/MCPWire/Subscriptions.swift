public import JSONCore

/// Which change notifications a `subscriptions/listen` stream delivers (2026-07-28).
public struct SubscriptionFilter: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        for key in ["toolsListChanged", "promptsListChanged", "resourcesListChanged"] { try json.optional(key, .bool) }
        try json.optional("resourceSubscriptions", .array)
    }
    public init(
        toolsListChanged: Bool = false,
        promptsListChanged: Bool = false,
        resourcesListChanged: Bool = false,
        resourceSubscriptions: [String] = []
    ) {
        json = [:]
        if toolsListChanged { json["toolsListChanged"] = true }
        if promptsListChanged { json["promptsListChanged"] = true }
        if resourcesListChanged { json["resourcesListChanged"] = true }
        if !resourceSubscriptions.isEmpty { json.set("resourceSubscriptions", resourceSubscriptions) }
    }
    public var toolsListChanged: Bool { json.bool("toolsListChanged") ?? false }
    public var promptsListChanged: Bool { json.bool("promptsListChanged") ?? false }
    public var resourcesListChanged: Bool { json.bool("resourcesListChanged") ?? false }
    public var resourceSubscriptions: [String] { json.strings("resourceSubscriptions") ?? [] }
    /// Whether the filter asks for nothing.
    public var isEmpty: Bool {
        !toolsListChanged && !promptsListChanged && !resourcesListChanged && resourceSubscriptions.isEmpty
    }
}

/// `subscriptions/listen` parameters.
public struct SubscriptionsListenParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("notifications", as: SubscriptionFilter.self)
    }
    public init(notifications: SubscriptionFilter) { json = ["notifications": .object(notifications.json)] }
    public var notifications: SubscriptionFilter { json.wrapped("notifications") ?? SubscriptionFilter() }
}

/// `notifications/subscriptions/acknowledged` parameters: the part of the filter the server honours.
public struct SubscriptionsAcknowledgedParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("notifications", as: SubscriptionFilter.self)
    }
    public init(notifications: SubscriptionFilter, subscriptionId: RequestID) {
        json = [
            "_meta": .object([MetaKey.subscriptionId: subscriptionId.jsonValue]),
            "notifications": .object(notifications.json),
        ]
    }
    public var notifications: SubscriptionFilter { json.wrapped("notifications") ?? SubscriptionFilter() }
}

extension JSONObject {
    /// The subscription a notification belongs to, from its `_meta` (2026-07-28).
    public var subscriptionID: RequestID? {
        object("_meta")?[MetaKey.subscriptionId].flatMap(RequestID.init)
    }
}

/// Parameters of list requests: an optional cursor.
public struct PaginatedParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) { try json.optional("cursor", .string) }
    public init(cursor: String?) {
        json = [:]
        json.set("cursor", cursor)
    }
    public var cursor: String? { json.string("cursor") }
}

/// Parameters that name a resource (`resources/read`, `subscribe`, `unsubscribe`).
public struct ResourceParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) { try json.require("uri", .string) }
    public init(uri: String) { json = ["uri": .string(uri)] }
    public var uri: String { json.string("uri") ?? "" }
}

/// `prompts/get` parameters.
public struct GetPromptParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("name", .string)
        try json.optional("arguments", .object)
    }
    public init(name: String, arguments: [String: String]? = nil) {
        json = ["name": .string(name)]
        if let arguments {
            var object = JSONObject()
            for key in arguments.keys.sorted() { object[key] = .string(arguments[key]!) }
            json["arguments"] = .object(object)
        }
    }
    public var name: String { json.string("name") ?? "" }
    public var arguments: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in json.object("arguments") ?? [:] {
            if let s = value.stringValue { result[key] = s }
        }
        return result
    }
}
