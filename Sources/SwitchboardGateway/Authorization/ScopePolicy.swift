import MCPWire
public import SwitchboardConfiguration

/// The OAuth scopes a bearer token needs, from `"gateway": {"jwt": {"scopes": ...}}`: the
/// `required` ones for any request, and for each tool, resource or prompt those of every
/// glob that matches it (qualified names for tools and prompts, URIs for resources).
///
/// It governs tokens only; API keys and anonymous callers are governed by roles alone.
public struct ScopePolicy: Sendable, Hashable {
    public let required: [String]
    let items: [AccessPolicy.Item: [String: [String]]]

    public init(_ setting: GatewaySettings.JWTSetting.Scopes) {
        required = Self.unique(setting.required)
        items = [.tool: setting.tools, .resource: setting.resources, .prompt: setting.prompts]
    }

    /// Every scope the gateway checks, for `scopes_supported`: the required ones first.
    public var supported: [String] {
        let rest = items.values.flatMap { $0.values.flatMap { $0 } }
        return Self.unique(required + rest.filter { !required.contains($0) }.sorted())
    }

    /// The scopes a request for the `item` named `name` needs: the required ones and those of
    /// every matching glob, each once, in a stable order.
    public func needed(for item: AccessPolicy.Item, _ name: String) -> [String] {
        let matching = (items[item] ?? [:]).filter { Glob.matches($0.key, name) }.values.flatMap { $0 }
        return Self.unique(required + matching.filter { !required.contains($0) }.sorted())
    }

    /// What of `needed` a token granting `granted` lacks; empty when it may go ahead.
    public static func missing(_ needed: [String], from granted: Set<String>) -> [String] {
        needed.filter { !granted.contains($0) }
    }

    static func unique(_ scopes: [String]) -> [String] {
        var seen: Set<String> = []
        return scopes.filter { seen.insert($0).inserted }
    }
}
