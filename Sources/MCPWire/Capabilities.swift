public import JSONCore

/// What a client can do for a server: roots, sampling, elicitation, extensions.
///
/// Each capability is an object whose presence means support; its members refine it.
public struct ClientCapabilities: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        for key in ["roots", "sampling", "elicitation", "experimental", "extensions"] {
            try json.optional(key, .object)
        }
    }
    public init() { json = [:] }

    /// Declares `roots`, optionally with `listChanged` (legacy revisions only).
    public var roots: JSONObject? {
        get { json.object("roots") }
        set { json.set("roots", newValue) }
    }
    /// Declares `sampling`; `{"tools": {}}` inside says tool use in sampling is supported.
    public var sampling: JSONObject? {
        get { json.object("sampling") }
        set { json.set("sampling", newValue) }
    }
    /// Declares `elicitation`; `{"form": {}, "url": {}}` inside names the modes supported.
    public var elicitation: JSONObject? {
        get { json.object("elicitation") }
        set { json.set("elicitation", newValue) }
    }
    public var experimental: JSONObject? {
        get { json.object("experimental") }
        set { json.set("experimental", newValue) }
    }
    /// Extension identifiers mapped to their settings (2026-07-28).
    public var extensions: JSONObject? {
        get { json.object("extensions") }
        set { json.set("extensions", newValue) }
    }
}

/// What a server offers: tools, resources, prompts, completion, logging, extensions.
public struct ServerCapabilities: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        for key in ["tools", "resources", "prompts", "logging", "completions", "experimental", "extensions"] {
            try json.optional(key, .object)
        }
    }
    public init() { json = [:] }

    public var tools: JSONObject? {
        get { json.object("tools") }
        set { json.set("tools", newValue) }
    }
    public var resources: JSONObject? {
        get { json.object("resources") }
        set { json.set("resources", newValue) }
    }
    public var prompts: JSONObject? {
        get { json.object("prompts") }
        set { json.set("prompts", newValue) }
    }
    public var logging: JSONObject? {
        get { json.object("logging") }
        set { json.set("logging", newValue) }
    }
    public var completions: JSONObject? {
        get { json.object("completions") }
        set { json.set("completions", newValue) }
    }
    public var experimental: JSONObject? { json.object("experimental") }
    public var extensions: JSONObject? { json.object("extensions") }

    public var supportsTools: Bool { tools != nil }
    public var supportsResources: Bool { resources != nil }
    public var supportsPrompts: Bool { prompts != nil }
    public var supportsCompletions: Bool { completions != nil }
    public var supportsLogging: Bool { logging != nil }
    /// Whether the server accepts `resources/subscribe` (legacy) or resource subscriptions.
    public var supportsResourceSubscriptions: Bool { resources?.bool("subscribe") == true }
    public var toolsListChanged: Bool { tools?.bool("listChanged") == true }
    public var resourcesListChanged: Bool { resources?.bool("listChanged") == true }
    public var promptsListChanged: Bool { prompts?.bool("listChanged") == true }

    /// The names of the capabilities present, for display.
    public var names: [String] { Array(json.keys) }
}
