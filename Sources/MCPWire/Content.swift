public import JSONCore

/// Hints for how a client uses or shows a piece of content.
public struct ContentAnnotations: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.optional("audience", .array)
        try json.optional("priority", .number)
        try json.optional("lastModified", .string)
    }
    /// `user`, `assistant` or both.
    public var audience: [String]? { json.strings("audience") }
    /// 0 (least) to 1 (most important).
    public var priority: Double? { json.double("priority") }
    public var lastModified: String? { json.string("lastModified") }
}

/// Plain text.
public struct TextContent: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("text", .string)
        try json.optional("annotations", as: ContentAnnotations.self)
    }
    public init(text: String) { json = ["type": "text", "text": .string(text)] }
    public var text: String { json.string("text") ?? "" }
    public var annotations: ContentAnnotations? { json.wrapped("annotations") }
}

/// Base64 image or audio data with its MIME type.
public struct MediaContent: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("data", .string)
        try json.require("mimeType", .string)
    }
    public init(type: String, data: String, mimeType: String) {
        json = ["type": .string(type), "data": .string(data), "mimeType": .string(mimeType)]
    }
    /// Base64 text of the bytes.
    public var data: String { json.string("data") ?? "" }
    public var mimeType: String { json.string("mimeType") ?? "" }
    public var annotations: ContentAnnotations? { json.wrapped("annotations") }
}

/// A link to a resource the client can read.
public struct ResourceLink: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("uri", .string)
        try json.require("name", .string)
    }
    public init(uri: String, name: String, mimeType: String? = nil) {
        json = ["type": "resource_link", "uri": .string(uri), "name": .string(name)]
        json.set("mimeType", mimeType)
    }
    public var uri: String { json.string("uri") ?? "" }
    public var name: String { json.string("name") ?? "" }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    public var mimeType: String? { json.string("mimeType") }
}

/// A resource's contents embedded in a message.
public struct EmbeddedResource: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("resource", as: ResourceContents.self)
    }
    public init(resource: ResourceContents) {
        json = ["type": "resource", "resource": .object(resource.json)]
    }
    public var resource: ResourceContents { json.wrapped("resource") ?? ResourceContents(uri: "", text: "") }
}

/// A model's request to call a tool, inside sampling (2025-11-25 on).
public struct ToolUseContent: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("id", .string)
        try json.require("name", .string)
        try json.require("input", .object)
    }
    public init(id: String, name: String, input: JSONObject) {
        json = ["type": "tool_use", "id": .string(id), "name": .string(name), "input": .object(input)]
    }
    public var id: String { json.string("id") ?? "" }
    public var name: String { json.string("name") ?? "" }
    public var input: JSONObject { json.object("input") ?? [:] }
}

/// The result of a tool call, given back to a model inside sampling (2025-11-25 on).
public struct ToolResultContent: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("toolUseId", .string)
        try json.requireArray("content", of: ContentBlock.self)
        try json.optional("isError", .bool)
    }
    public init(toolUseId: String, content: [ContentBlock], isError: Bool? = nil) {
        json = ["type": "tool_result", "toolUseId": .string(toolUseId)]
        json.set("content", content)
        json.set("isError", isError)
    }
    public var toolUseId: String { json.string("toolUseId") ?? "" }
    public var content: [ContentBlock] { json.wrappedArray("content") }
    public var structuredContent: JSONValue? { json["structuredContent"] }
    public var isError: Bool { json.bool("isError") ?? false }
}

/// One block of content in a tool result, prompt message or sampling message.
///
/// Blocks of a type this library does not know are kept as ``unknown(_:)`` with all members.
public enum ContentBlock: MCPObject {
    case text(TextContent)
    case image(MediaContent)
    case audio(MediaContent)
    case resourceLink(ResourceLink)
    case resource(EmbeddedResource)
    case toolUse(ToolUseContent)
    case toolResult(ToolResultContent)
    case unknown(JSONObject)

    public init(uncheckedJSON json: JSONObject) {
        switch json.string("type") {
        case "text": self = .text(TextContent(uncheckedJSON: json))
        case "image": self = .image(MediaContent(uncheckedJSON: json))
        case "audio": self = .audio(MediaContent(uncheckedJSON: json))
        case "resource_link": self = .resourceLink(ResourceLink(uncheckedJSON: json))
        case "resource": self = .resource(EmbeddedResource(uncheckedJSON: json))
        case "tool_use": self = .toolUse(ToolUseContent(uncheckedJSON: json))
        case "tool_result": self = .toolResult(ToolResultContent(uncheckedJSON: json))
        default: self = .unknown(json)
        }
    }

    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("type", .string)
        switch json.string("type") {
        case "text": try TextContent.validate(json)
        case "image", "audio": try MediaContent.validate(json)
        case "resource_link": try ResourceLink.validate(json)
        case "resource": try EmbeddedResource.validate(json)
        case "tool_use": try ToolUseContent.validate(json)
        case "tool_result": try ToolResultContent.validate(json)
        default: break
        }
    }

    public var json: JSONObject {
        get {
            switch self {
            case .text(let c): return c.json
            case .image(let c), .audio(let c): return c.json
            case .resourceLink(let c): return c.json
            case .resource(let c): return c.json
            case .toolUse(let c): return c.json
            case .toolResult(let c): return c.json
            case .unknown(let j): return j
            }
        }
        set { self = ContentBlock(uncheckedJSON: newValue) }
    }

    /// A text block.
    public static func text(_ text: String) -> ContentBlock { .text(TextContent(text: text)) }

    /// The block's `type` member.
    public var type: String { json.string("type") ?? "" }

    /// The text of a text block.
    public var text: String? {
        if case .text(let t) = self { return t.text }
        return nil
    }
}
