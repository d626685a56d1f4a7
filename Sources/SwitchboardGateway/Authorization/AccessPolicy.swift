import MCPWire
public import SwitchboardConfiguration

/// What each role may see and use through the gateway, from `"gateway": {"roles": ...}`.
///
/// A caller's ``Grant`` is the union of its roles' allows minus the union of their denies: a
/// deny in any of its roles wins over every allow. Tools and prompts are matched by their
/// qualified names (`server__tool`), resources and templates by URI, with shell-style globs.
/// A role the policy does not define grants nothing.
public struct AccessPolicy: Sendable, Hashable {
    /// The kinds of item a policy governs.
    public enum Item: String, Sendable, Hashable, CaseIterable {
        case tool
        case resource
        case prompt
    }

    /// What one caller may see and use.
    public struct Grant: Sendable, Hashable {
        var allowed: [Item: [String]]
        var denied: [Item: [String]]
        /// Further grants an item must also pass (a virtual server's subset).
        var limits: [Grant] = []

        /// Everything, for a gateway that runs without a `"gateway"` section (on loopback only).
        public static let everything = Grant(allowed: [.tool: ["*"], .resource: ["*"], .prompt: ["*"]], denied: [:])

        /// Nothing at all.
        public static let nothing = Grant(allowed: [:], denied: [:])

        /// Whether the item of that kind named `name` is visible and usable.
        public func permits(_ item: Item, _ name: String) -> Bool {
            if denied[item, default: []].contains(where: { Glob.matches($0, name) }) { return false }
            guard allowed[item, default: []].contains(where: { Glob.matches($0, name) }) else { return false }
            return limits.allSatisfy { $0.permits(item, name) }
        }

        /// What this grant and `other` both permit.
        public func narrowed(to other: Grant) -> Grant {
            var narrowed = self
            narrowed.limits.append(other)
            return narrowed
        }

        /// What one role's (or a virtual server's) patterns permit.
        public init(_ setting: GatewaySettings.RoleSetting) {
            allowed = [.tool: setting.allow.tools, .resource: setting.allow.resources, .prompt: setting.allow.prompts]
            denied = [.tool: setting.deny.tools, .resource: setting.deny.resources, .prompt: setting.deny.prompts]
        }

        init(allowed: [Item: [String]], denied: [Item: [String]]) {
            self.allowed = allowed
            self.denied = denied
        }
    }

    enum Rules: Sendable, Hashable {
        case unrestricted
        case roles([String: GatewaySettings.RoleSetting])
    }

    let rules: Rules

    /// Every caller may see and use everything.
    public static let unrestricted = AccessPolicy(rules: .unrestricted)

    init(rules: Rules) {
        self.rules = rules
    }

    public init(roles: [String: GatewaySettings.RoleSetting]) {
        rules = .roles(roles)
    }

    /// The grant of a caller holding `roles`.
    public func grant(for roles: [String]) -> Grant {
        guard case .roles(let definitions) = rules else { return .everything }
        var grant = Grant.nothing
        for role in roles {
            guard let definition = definitions[role] else { continue }
            grant.allowed[.tool, default: []] += definition.allow.tools
            grant.allowed[.resource, default: []] += definition.allow.resources
            grant.allowed[.prompt, default: []] += definition.allow.prompts
            grant.denied[.tool, default: []] += definition.deny.tools
            grant.denied[.resource, default: []] += definition.deny.resources
            grant.denied[.prompt, default: []] += definition.deny.prompts
        }
        return grant
    }
}
