public import JSONCore

/// One message of a sampling conversation. `content` is one block or (2025-11-25 on) an array.
public struct SamplingMessage: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("role", .string)
        switch json["content"] {
        case .object?: try json.require("content", as: ContentBlock.self)
        case .array?: try json.requireArray("content", of: ContentBlock.self)
        default: throw WireError(path: "/content", reason: "content must be a content block or an array of them")
        }
    }
    public init(role: String, content: ContentBlock) {
        json = ["role": .string(role), "content": .object(content.json)]
    }
    public init(role: String, content: [ContentBlock]) {
        json = ["role": .string(role)]
        json.set("content", content)
    }
    public var role: String { json.string("role") ?? "" }
    /// The content blocks, whether sent as one block or as an array.
    public var content: [ContentBlock] {
        switch json["content"] {
        case .object(let o)?: return [ContentBlock(uncheckedJSON: o)]
        case .array?: return json.wrappedArray("content")
        default: return []
        }
    }
}

/// `sampling/createMessage` parameters: the server asks the client's model for a completion.
public struct CreateMessageParams: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.requireArray("messages", of: SamplingMessage.self)
        try json.require("maxTokens", .integer)
        try json.optional("systemPrompt", .string)
        try json.optional("temperature", .number)
        try json.optional("tools", .array)
        try json.optional("modelPreferences", .object)
    }
    public init(messages: [SamplingMessage], maxTokens: Int, systemPrompt: String? = nil, tools: [Tool]? = nil) {
        json = [:]
        json.set("messages", messages)
        json.set("systemPrompt", systemPrompt)
        json["maxTokens"] = .int(maxTokens)
        json.set("tools", tools)
    }
    public var messages: [SamplingMessage] { json.wrappedArray("messages") }
    public var maxTokens: Int { json.int("maxTokens") ?? 0 }
    public var systemPrompt: String? { json.string("systemPrompt") }
    public var temperature: Double? { json.double("temperature") }
    public var stopSequences: [String]? { json.strings("stopSequences") }
    /// Model hints and cost/speed/intelligence priorities, as sent.
    public var modelPreferences: JSONObject? { json.object("modelPreferences") }
    /// `none`, `thisServer` or `allServers` (the latter two deprecated).
    public var includeContext: String? { json.string("includeContext") }
    /// Tools the model may call (2025-11-25 on).
    public var tools: [Tool] { json.wrappedArray("tools") }
    /// `{"mode": "auto" | "required" | "none"}` (2025-11-25 on).
    public var toolChoice: JSONObject? { json.object("toolChoice") }
}

/// `sampling/createMessage` result: the model's reply.
public struct CreateMessageResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try SamplingMessage.validate(json)
        try json.require("model", .string)
        try json.optional("stopReason", .string)
    }
    public init(role: String = "assistant", content: ContentBlock, model: String, stopReason: String? = nil) {
        json = ["role": .string(role), "content": .object(content.json), "model": .string(model)]
        json.set("stopReason", stopReason)
    }
    public init(role: String = "assistant", content: [ContentBlock], model: String, stopReason: String? = nil) {
        json = ["role": .string(role)]
        json.set("content", content)
        json["model"] = .string(model)
        json.set("stopReason", stopReason)
    }
    public var role: String { json.string("role") ?? "" }
    public var content: [ContentBlock] { SamplingMessage(uncheckedJSON: json).content }
    public var model: String { json.string("model") ?? "" }
    /// `endTurn`, `stopSequence`, `maxTokens`, `toolUse` or another value.
    public var stopReason: String? { json.string("stopReason") }
}

/// How a server would like the client to choose a model for sampling.
public struct ModelPreferences: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.optional("hints", .array)
        for key in ["costPriority", "speedPriority", "intelligencePriority"] { try json.optional(key, .number) }
    }
    /// Model names or name fragments, in order of preference.
    public var hints: [String] { (json.array("hints") ?? []).compactMap { $0["name"]?.stringValue } }
    public var costPriority: Double? { json.double("costPriority") }
    public var speedPriority: Double? { json.double("speedPriority") }
    public var intelligencePriority: Double? { json.double("intelligencePriority") }
}
