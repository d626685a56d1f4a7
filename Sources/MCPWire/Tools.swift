public import JSONCore

/// Hints about a tool's behaviour. Untrusted unless the server is trusted.
public struct ToolAnnotations: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        for key in ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] {
            try json.optional(key, .bool)
        }
        try json.optional("title", .string)
    }
    public init(
        title: String? = nil,
        readOnlyHint: Bool? = nil,
        destructiveHint: Bool? = nil,
        idempotentHint: Bool? = nil,
        openWorldHint: Bool? = nil
    ) {
        json = [:]
        json.set("title", title)
        json.set("readOnlyHint", readOnlyHint)
        json.set("destructiveHint", destructiveHint)
        json.set("idempotentHint", idempotentHint)
        json.set("openWorldHint", openWorldHint)
    }
    public var title: String? { json.string("title") }
    /// The tool does not change its environment. Default false.
    public var readOnlyHint: Bool? { json.bool("readOnlyHint") }
    /// The tool may destroy or overwrite data. Default true (when not read-only).
    public var destructiveHint: Bool? { json.bool("destructiveHint") }
    /// Calling again with the same arguments has no further effect. Default false.
    public var idempotentHint: Bool? { json.bool("idempotentHint") }
    /// The tool reaches beyond a closed world (the web, other systems). Default true.
    public var openWorldHint: Bool? { json.bool("openWorldHint") }
}

/// A tool a server offers.
public struct Tool: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("name", .string)
        try json.require("inputSchema", .object)
        try json.optional("outputSchema", .object)
        try json.optional("description", .string)
        try json.optional("title", .string)
        try json.optional("annotations", as: ToolAnnotations.self)
        try json.optionalArray("icons", of: Icon.self)
    }

    public init(
        name: String,
        title: String? = nil,
        description: String? = nil,
        inputSchema: JSONObject = ["type": "object"],
        outputSchema: JSONObject? = nil,
        annotations: ToolAnnotations? = nil
    ) {
        json = ["name": .string(name)]
        json.set("title", title)
        json.set("description", description)
        json["inputSchema"] = .object(inputSchema)
        json.set("outputSchema", outputSchema)
        json.set("annotations", annotations)
    }

    public var name: String {
        get { json.string("name") ?? "" }
        set { json["name"] = .string(newValue) }
    }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    /// JSON Schema of the arguments object.
    public var inputSchema: JSONObject { json.object("inputSchema") ?? ["type": "object"] }
    /// JSON Schema that `structuredContent` must match, when the tool declares one.
    public var outputSchema: JSONObject? { json.object("outputSchema") }
    public var annotations: ToolAnnotations? {
        get { json.wrapped("annotations") }
        set { json.set("annotations", newValue) }
    }
    public var icons: [Icon] { json.wrappedArray("icons") }
    /// The title to show: `title`, then `annotations.title`, then `name`.
    public var displayName: String { title ?? annotations?.title ?? name }
}

/// One page of `tools/list`.
public struct ListToolsResult: CacheableResult, PaginatedResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCache(json)
        try json.requireArray("tools", of: Tool.self)
        try json.optional("nextCursor", .string)
    }
    public init(tools: [Tool], nextCursor: String? = nil) {
        json = [:]
        json.set("tools", tools)
        json.set("nextCursor", nextCursor)
    }
    public var tools: [Tool] { json.wrappedArray("tools") }
    public var items: [Tool] { tools }
}

/// `tools/call` parameters.
public struct CallToolParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("name", .string)
        try json.optional("arguments", .object)
        try json.optional("inputResponses", .object)
        try json.optional("requestState", .string)
    }
    public init(name: String, arguments: JSONObject? = nil) {
        json = ["name": .string(name)]
        json.set("arguments", arguments)
    }
    public var name: String { json.string("name") ?? "" }
    public var arguments: JSONObject? { json.object("arguments") }
}

/// `tools/call` result: content for the model, optional structured data, and whether the
/// tool itself failed.
public struct CallToolResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCommon(json)
        // Older servers may omit content when they return structured content only.
        if json["content"] != nil || json["structuredContent"] == nil {
            try json.requireArray("content", of: ContentBlock.self)
        }
        try json.optional("isError", .bool)
    }
    public init(content: [ContentBlock], structuredContent: JSONValue? = nil, isError: Bool? = nil) {
        json = [:]
        json.set("content", content)
        json.set("structuredContent", structuredContent)
        json.set("isError", isError)
    }
    public var content: [ContentBlock] { json.wrappedArray("content") }
    public var structuredContent: JSONValue? { json["structuredContent"] }
    /// Whether the tool reported failure. Tool failures are results, not protocol errors.
    public var isError: Bool { json.bool("isError") ?? false }

    /// The text of all text blocks, joined by newlines.
    public var text: String { content.compactMap(\.text).joined(separator: "\n") }
}
