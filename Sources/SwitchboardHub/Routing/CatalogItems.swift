public import MCPWire

/// A tool with the server that offers it and the name the hub knows it by.
public struct QualifiedTool: Sendable {
    public var server: String
    public var tool: Tool
    public var qualifiedName: String

    public init(server: String, tool: Tool, qualifiedName: String) {
        self.server = server
        self.tool = tool
        self.qualifiedName = qualifiedName
    }
}

/// A prompt with the server that offers it and the name the hub knows it by.
public struct QualifiedPrompt: Sendable {
    public var server: String
    public var prompt: Prompt
    public var qualifiedName: String
}

/// A resource with the server that lists it (URIs are the servers' own, so not renamed).
public struct ServerResource: Sendable {
    public var server: String
    public var resource: Resource
}

/// A tool name offered by several servers.
public struct ToolCollision: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var qualifiedNames: [String]

    public init(name: String, qualifiedNames: [String]) {
        self.name = name
        self.qualifiedNames = qualifiedNames
    }

    public var description: String {
        "tool \"\(name)\" is offered by \(qualifiedNames.count) servers; use \(qualifiedNames.joined(separator: " or "))"
    }
}
