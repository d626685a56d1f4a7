import Foundation
import JSONCore
import TestSupport
import Testing

/// The official Python SDK client against Switchboard's demo server, both eras, stdio and
/// HTTP: our server side, proven by a peer nobody here wrote.
@Suite("Interop: Python SDK client against the demo server", .serialized)
struct PythonClientTests {
    enum Link: String, Sendable, CaseIterable { case stdio, http }

    struct Case: Sendable, CustomStringConvertible {
        var link: Link
        var era: String
        var description: String { "\(link) \(era)" }
    }

    static let cases = Link.allCases.flatMap { link in ["modern", "legacy"].map { Case(link: link, era: $0) } }

    @Test("every check of the Python client passes", arguments: cases)
    func pythonClient(_ testCase: Case) async throws {
        try Peers.require(Peers.python)
        try Peers.require(Peers.switchboard)
        let script = Peers.pythonScript("client_check.py")
        let output: (status: Int32, stdout: String, stderr: String)
        switch testCase.link {
        case .stdio:
            output = try await ExternalProcess.run(
                Peers.python,
                [script, "--era", testCase.era, "stdio", "--", Peers.switchboard, "demo-server"]
            )
        case .http:
            let server = try await HTTPPeer(Peers.switchboard) { port in ["demo-server", "--http", String(port)] }
            defer { server.stop() }
            output = try await ExternalProcess.run(Peers.python, [script, "--era", testCase.era, "http", server.url])
        }
        #expect(output.status == 0, "python client failed: \(output.stderr)")
        let report = try #require(try JSONValue(parsing: output.stdout).objectValue, "no report: \(output.stdout) \(output.stderr)")
        #expect(report["protocolVersion"] == .string(testCase.era == "modern" ? "2026-07-28" : "2025-11-25"))
        #expect(report["serverName"] == "switchboard-demo")
        #expect(report["tools"] == ["add", "ask_model", "confirm_action", "echo", "fail", "increment", "sleep", "stats"])
        #expect(report["echo"] == "from python")
        #expect(report["add"] == ["sum": 42])
        #expect(report["fail"] == true)
        #expect(report["sleep"] == ["text": "slept 40 ms", "progress": [1.0, 2.0, 3.0, 4.0]])
        #expect(report["elicit"] == "confirmed: ship")
        #expect(report["sample"] == "py-stub: re: why")
        #expect(report["read"] == "Hello, Python!")
        #expect(report["prompt"] == "Summarize the following text in a brief style:\n\nabc")
    }
}
