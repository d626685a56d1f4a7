import SwitchboardConfiguration
import SwitchboardGateway
import Testing

@Suite("Access policy: what each role may see and use")
struct AccessPolicyTests {
    let policy = AccessPolicy(roles: [
        "reader": .init(
            allow: .init(tools: ["docs__*", "time__get_?urrent_time"], resources: ["file:///pub/*"], prompts: ["docs__*"]),
            deny: .init(tools: ["docs__delete*"])
        ),
        "writer": .init(allow: .init(tools: ["docs__delete_page", "git__*"])),
        "auditor": .init(allow: .init(tools: ["*"], resources: ["*"], prompts: ["*"]), deny: .init(resources: ["file:///secret/*"])),
    ])

    @Test("a role allows what its globs match, by qualified name or URI, and nothing else")
    func allows() {
        let reader = policy.grant(for: ["reader"])
        #expect(reader.permits(.tool, "docs__search"))
        #expect(reader.permits(.tool, "time__get_current_time"))
        #expect(!reader.permits(.tool, "git__commit"))
        #expect(!reader.permits(.tool, "docs"), "a glob matches the whole name")
        #expect(reader.permits(.resource, "file:///pub/readme.md"))
        #expect(!reader.permits(.resource, "file:///private/key"))
        #expect(reader.permits(.prompt, "docs__summarize"))
        // A tool glob says nothing about prompts or resources of the same name.
        #expect(!policy.grant(for: ["writer"]).permits(.prompt, "git__commit_message"))
    }

    @Test("a deny in any of the caller's roles wins over every allow, its own or another role's")
    func denyWins() {
        #expect(!policy.grant(for: ["reader"]).permits(.tool, "docs__delete_page"))
        #expect(policy.grant(for: ["writer"]).permits(.tool, "docs__delete_page"))
        // reader's deny beats writer's explicit allow when one caller holds both.
        let both = policy.grant(for: ["reader", "writer"])
        #expect(!both.permits(.tool, "docs__delete_page"))
        #expect(both.permits(.tool, "git__commit") && both.permits(.tool, "docs__search"))
        #expect(!policy.grant(for: ["auditor"]).permits(.resource, "file:///secret/token"))
        #expect(policy.grant(for: ["auditor"]).permits(.resource, "file:///pub/readme.md"))
    }

    @Test("no roles, or roles the policy does not define, grant nothing; an unrestricted policy grants everything")
    func edges() {
        for roles in [[], ["ghost"]] {
            let grant = policy.grant(for: roles)
            for item in AccessPolicy.Item.allCases { #expect(!grant.permits(item, "docs__search")) }
        }
        #expect(AccessPolicy(roles: [:]).grant(for: ["reader"]) == .nothing)
        let open = AccessPolicy.unrestricted.grant(for: [])
        for item in AccessPolicy.Item.allCases { #expect(open.permits(item, "any__thing")) }
    }

    @Test("GatewayAccess: no section is open to anonymous callers; a section refuses them unless it names their roles")
    func access() throws {
        let open = try GatewayAccess(settings: nil)
        #expect(open.isOpen && !open.requiresCredentials)
        let locked = try GatewayAccess(settings: GatewaySettings(roles: ["reader": .init()]))
        #expect(locked.requiresCredentials && !locked.isOpen)
        let guests = try GatewayAccess(settings: GatewaySettings(roles: ["guest": .init(allow: .init(tools: ["a__*"]))], anonymousRoles: ["guest"]))
        #expect(guests.anonymous == Principal(name: "anonymous", roles: ["guest"], method: .anonymous))
        #expect(!guests.isOpen)
        let guestGrant = guests.policy.grant(for: guests.anonymous?.roles ?? [])
        #expect(guestGrant.permits(.tool, "a__b"))
    }
}
