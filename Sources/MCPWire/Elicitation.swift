public import JSONCore

/// `elicitation/create` parameters: the server asks the user, through the client, for input.
///
/// In form mode (the default) `requestedSchema` describes a flat object of primitive fields;
/// in URL mode (2025-11-25 on) the user is sent to `url` to complete an interaction there.
public struct ElicitParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("message", .string)
        try json.optional("mode", .string)
        if json.string("mode") == "url" {
            try json.require("url", .string)
        } else {
            try json.require("requestedSchema", .object)
        }
    }
    /// A form request.
    public init(message: String, requestedSchema: JSONObject) {
        json = ["mode": "form", "message": .string(message), "requestedSchema": .object(requestedSchema)]
    }
    /// A URL request.
    public init(message: String, url: String) {
        json = ["mode": "url", "message": .string(message), "url": .string(url)]
    }

    public enum Mode: String, Sendable { case form, url }

    public var mode: Mode { json.string("mode").flatMap(Mode.init(rawValue:)) ?? .form }
    public var message: String { json.string("message") ?? "" }
    public var requestedSchema: JSONObject? { json.object("requestedSchema") }
    public var url: String? { json.string("url") }
    /// Correlates a URL elicitation with its completion notification (2025-11-25 only).
    public var elicitationId: String? { json.string("elicitationId") }
}

/// `elicitation/create` result: what the user did, and in form mode what they entered.
public struct ElicitResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("action", .string)
        try json.optional("content", .object)
    }

    public enum Action: String, Sendable { case accept, decline, cancel }

    public init(action: Action, content: JSONObject? = nil) {
        json = ["action": .string(action.rawValue)]
        json.set("content", content)
    }
    public var action: Action { json.string("action").flatMap(Action.init(rawValue:)) ?? .cancel }
    public var content: JSONObject? { json.object("content") }
}

/// The schema of one form field in an elicitation: a string, number, boolean or enum
/// (single or multi-select, titled or not).
public struct ElicitationFieldSchema: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("type", .string)
        try json.optional("title", .string)
        try json.optional("description", .string)
    }
    /// `string`, `number`, `integer`, `boolean` or `array` (multi-select).
    public var type: String { json.string("type") ?? "" }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    public var defaultValue: JSONValue? { json["default"] }
    /// The allowed values of a single-select enum, untitled (`enum`) or titled (`oneOf[].const`).
    public var options: [String] {
        if let values = json.strings("enum") { return values }
        if let titled = json.array("oneOf") { return titled.compactMap { $0["const"]?.stringValue } }
        return []
    }
}
