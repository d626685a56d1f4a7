public import JSONCore

/// An icon for display: a URI (often `data:`) with optional type, sizes and theme.
public struct Icon: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) { try json.require("src", .string) }

    public init(src: String, mimeType: String? = nil, sizes: [String]? = nil) {
        json = ["src": .string(src)]
        json.set("mimeType", mimeType)
        json.set("sizes", sizes)
    }

    public var src: String { json.string("src") ?? "" }
    public var mimeType: String? { json.string("mimeType") }
    public var sizes: [String]? { json.strings("sizes") }
    /// `light` or `dark`.
    public var theme: String? { json.string("theme") }
}

/// The name and version of a client or server program.
public struct Implementation: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("name", .string)
        // Some servers omit the version; accept that rather than refuse the server.
        try json.optional("version", .string)
        try json.optionalArray("icons", of: Icon.self)
    }

    public init(name: String, version: String, title: String? = nil) {
        json = ["name": .string(name), "version": .string(version)]
        json.set("title", title)
    }

    public var name: String {
        get { json.string("name") ?? "" }
        set { json["name"] = .string(newValue) }
    }
    public var version: String {
        get { json.string("version") ?? "" }
        set { json["version"] = .string(newValue) }
    }
    public var title: String? {
        get { json.string("title") }
        set { json.set("title", newValue) }
    }
    public var description: String? { json.string("description") }
    public var websiteUrl: String? { json.string("websiteUrl") }
    public var icons: [Icon] { json.wrappedArray("icons") }
}
