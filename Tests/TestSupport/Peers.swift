import Foundation

/// Locations of the things interop and CLI tests run: this repository's build products, the
/// Python environment `scripts/test` creates, and peer servers built from the package mirror.
public enum Peers {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `switchboard` executable users run: what `scripts/build-release` makes (release,
    /// static Swift runtime), unless `SWITCHBOARD_BIN` names another. `scripts/test` builds
    /// it before the tests, so the tests exercise the shipped binary.
    public static var switchboard: String {
        if let override = ProcessInfo.processInfo.environment["SWITCHBOARD_BIN"] { return override }
        return root.appendingPathComponent(".build/release/switchboard").path
    }

    /// The Python of the test environment, with the official `mcp` SDK installed.
    public static var python: String {
        if let override = ProcessInfo.processInfo.environment["SWITCHBOARD_PYTHON"] { return override }
        return root.appendingPathComponent(".venv/bin/python").path
    }

    /// `mcp-server-time` from PyPI, installed in the test environment.
    public static var timeServer: String { root.appendingPathComponent(".venv/bin/mcp-server-time").path }

    /// The Python fixture server.
    public static var pythonFixture: String { root.appendingPathComponent("Tests/Fixtures/python/fixture_server.py").path }

    /// A Python fixture client script.
    public static func pythonScript(_ name: String) -> String {
        root.appendingPathComponent("Tests/Fixtures/python/\(name)").path
    }

    /// swift-sdk's `mcp-everything-server`, built by `scripts/setup-test-env`.
    public static var everythingServer: String {
        root.appendingPathComponent(".build-peers/swift-sdk/.build/release/mcp-everything-server").path
    }

    /// Fails with a message that says how to get `path`, if it is missing.
    public static func require(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) || FileManager.default.fileExists(atPath: path) else {
            throw PeerMissing(path: path)
        }
    }

    public struct PeerMissing: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "\(path) is missing: run scripts/test (or scripts/setup-test-env) once to install the test peers"
        }
    }
}
