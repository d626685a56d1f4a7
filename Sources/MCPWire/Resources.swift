public import JSONCore

/// A resource a server can be asked to read.
public struct Resource: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("uri", .string)
        try json.require("name", .string)
        try json.optional("mimeType", .string)
        try json.optional("size", .integer)
    }
    public init(uri: String, name: String, title: String? = nil, description: String? = nil, mimeType: String? = nil) {
        json = ["uri": .string(uri), "name": .string(name)]
        json.set("title", title)
        json.set("description", description)
        json.set("mimeType", mimeType)
    }
    public var uri: String { json.string("uri") ?? "" }
    public var name: String { json.string("name") ?? "" }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    public var mimeType: String? { json.string("mimeType") }
    public var size: Int? { json.int("size") }
}

/// A family of resources named by an RFC 6570 URI template.
public struct ResourceTemplate: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("uriTemplate", .string)
        try json.require("name", .string)
    }
    public init(uriTemplate: String, name: String, description: String? = nil, mimeType: String? = nil) {
        json = ["uriTemplate": .string(uriTemplate), "name": .string(name)]
        json.set("description", description)
        json.set("mimeType", mimeType)
    }
    public var uriTemplate: String { json.string("uriTemplate") ?? "" }
    public var name: String { json.string("name") ?? "" }
    public var title: String? { json.string("title") }
    public var description: String? { json.string("description") }
    public var mimeType: String? { json.string("mimeType") }
}

/// The contents of a resource: text, or base64 `blob`.
public struct ResourceContents: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("uri", .string)
        try json.optional("text", .string)
        try json.optional("blob", .string)
        guard json["text"] != nil || json["blob"] != nil else {
            throw WireError(path: "", reason: "resource contents need 'text' or 'blob'")
        }
    }
    public init(uri: String, text: String, mimeType: String? = nil) {
        json = ["uri": .string(uri)]
        json.set("mimeType", mimeType)
        json["text"] = .string(text)
    }
    public init(uri: String, blob: String, mimeType: String? = nil) {
        json = ["uri": .string(uri)]
        json.set("mimeType", mimeType)
        json["blob"] = .string(blob)
    }
    public var uri: String { json.string("uri") ?? "" }
    public var mimeType: String? { json.string("mimeType") }
    public var text: String? { json.string("text") }
    /// Base64 text of binary contents.
    public var blob: String? { json.string("blob") }
}

/// One page of `resources/list`.
public struct ListResourcesResult: CacheableResult, PaginatedResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCache(json)
        try json.requireArray("resources", of: Resource.self)
        try json.optional("nextCursor", .string)
    }
    public init(resources: [Resource], nextCursor: String? = nil) {
        json = [:]
        json.set("resources", resources)
        json.set("nextCursor", nextCursor)
    }
    public var resources: [Resource] { json.wrappedArray("resources") }
    public var items: [Resource] { resources }
}

/// One page of `resources/templates/list`.
public struct ListResourceTemplatesResult: CacheableResult, PaginatedResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCache(json)
        try json.requireArray("resourceTemplates", of: ResourceTemplate.self)
        try json.optional("nextCursor", .string)
    }
    public init(resourceTemplates: [ResourceTemplate], nextCursor: String? = nil) {
        json = [:]
        json.set("resourceTemplates", resourceTemplates)
        json.set("nextCursor", nextCursor)
    }
    public var resourceTemplates: [ResourceTemplate] { json.wrappedArray("resourceTemplates") }
    public var items: [ResourceTemplate] { resourceTemplates }
}

/// `resources/read` result.
public struct ReadResourceResult: CacheableResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try validateCache(json)
        try json.requireArray("contents", of: ResourceContents.self)
    }
    public init(contents: [ResourceContents]) {
        json = [:]
        json.set("contents", contents)
    }
    public var contents: [ResourceContents] { json.wrappedArray("contents") }
}
