public import JSONCore

/// An argument a prompt takes.
public struct PromptArgument: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("name", .string)
        try json.optional("required", .bool)
    }
    public init(name: String, description: String? = nil, required: Bool? = nil) {
        json = ["name": .string(name)]
        json.set("description", description)
        json.set("required", required)
    }
    public var name: String { json.string("name") ?? "" }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    public var required: Bool { json.bool("required") ?? false }
}

/// A prompt template a server offers.
public struct Prompt: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("name", .string)
        try json.optionalArray("arguments", of: PromptArgument.self)
    }
    public init(name: String, title: String? = nil, description: String? = nil, arguments: [PromptArgument]? = nil) {
        json = ["name": .string(name)]
        json.set("title", title)
        json.set("description", description)
        json.set("arguments", arguments)
    }
    public var name: String { json.string("name") ?? "" }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    public var arguments: [PromptArgument] { json.wrappedArray("arguments") }
}

/// A message of a rendered prompt.
public struct PromptMessage: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("role", .string)
        try json.require("content", as: ContentBlock.self)
    }
    public init(role: String, content: ContentBlock) {
        json = ["role": .string(role), "content": .object(content.json)]
    }
    /// `user` or `assistant`.
    public var role: String { json.string("role") ?? "" }
    public var content: ContentBlock { json.wrapped("content") ?? .unknown([:]) }
}

/// One page of `prompts/list`.
public struct ListPromptsResult: CacheableResult, PaginatedResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCache(json)
        try json.requireArray("prompts", of: Prompt.self)
        try json.optional("nextCursor", .string)
    }
    public init(prompts: [Prompt], nextCursor: String? = nil) {
        json = [:]
        json.set("prompts", prompts)
        json.set("nextCursor", nextCursor)
    }
    public var prompts: [Prompt] { json.wrappedArray("prompts") }
    public var items: [Prompt] { prompts }
}

/// `prompts/get` result.
public struct GetPromptResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCommon(json)
        try json.requireArray("messages", of: PromptMessage.self)
        try json.optional("description", .string)
    }
    public init(description: String? = nil, messages: [PromptMessage]) {
        json = [:]
        json.set("description", description)
        json.set("messages", messages)
    }
    public var description: String? { json.string("description") }
    public var messages: [PromptMessage] { json.wrappedArray("messages") }
}
