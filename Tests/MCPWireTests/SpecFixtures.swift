import Foundation

/// Where the MCP specification's examples are: `SWITCHBOARD_SPEC_DIR`; else the project's
/// shared folder beside the repository (`../shared/mcp-spec`); else the copy of the
/// 2026-07-28 examples kept in `Tests/Fixtures/mcp-spec`, so a clone on its own still tests.
enum SpecFixtures {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/mcp-spec")
    static let vendored = repository.appendingPathComponent("Tests/Fixtures/mcp-spec")

    static var specDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SWITCHBOARD_SPEC_DIR"] {
            return URL(fileURLWithPath: override)
        }
        if FileManager.default.fileExists(atPath: shared.appendingPathComponent("2026-07-28/examples").path) { return shared }
        return vendored
    }
}
