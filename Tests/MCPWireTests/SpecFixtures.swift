import Foundation

/// Where the MCP specification's schemas and examples are: `SWITCHBOARD_SPEC_DIR`, or the
/// project's shared folder beside the repository.
enum SpecFixtures {
    static var specDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SWITCHBOARD_SPEC_DIR"] {
            return URL(fileURLWithPath: override)
        }
        // Tests/MCPWireTests/SpecFixtures.swift -> repository root -> ../shared/mcp-spec
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/mcp-spec")
    }
}
