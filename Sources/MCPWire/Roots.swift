public import JSONCore

/// A directory or file the client lets a server work in.
public struct Root: MCPObject {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.require("uri", .string)
        try json.optional("name", .string)
    }
    public init(uri: String, name: String? = nil) {
        json = ["uri": .string(uri)]
        json.set("name", name)
    }
    public var uri: String { json.string("uri") ?? "" }
    public var name: String? { json.string("name") }
}

/// `roots/list` result.
public struct ListRootsResult: MCPResult {
    public var json: JSONObject
    public init(uncheckedJSON json: JSONObject) { self.json = json }
    public static func validate(_ json: JSONObject) throws(WireError) {
        try json.requireArray("roots", of: Root.self)
    }
    public init(roots: [Root]) {
        json = [:]
        json.set("roots", roots)
    }
    public var roots: [Root] { json.wrappedArray("roots") }
}
