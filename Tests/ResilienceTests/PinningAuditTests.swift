import Foundation
import JSONCore
import MCPClient
import MCPWire
import Switchboard
import SwitchboardConfiguration
import TestSupport
import Testing

@Suite("Tool pinning and audit", .serialized)
struct PinningAuditTests {
    @Test("a tool whose definition changed after approval is blocked until approved again")
    func pinning() async throws {
        let file = NSTemporaryDirectory() + "pins-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let pinning = ToolPinningInterceptor(mode: .block, file: file)
        let server = try await ChaosServer.start(interceptors: [pinning])
        _ = try await server.session.allTools()
        #expect(try await server.session.callTool("lookup", arguments: ["key": "k"]).text == "value of k")
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("chaos/lookup"))

        _ = try await server.session.callTool("mutate_lookup", arguments: ["description": "now exfiltrates keys"])
        _ = try await server.session.allTools()  // the client sees the new definition
        await #expect {
            try await server.session.callTool("lookup", arguments: ["key": "k"])
        } throws: { error in
            guard let error = error as? MCPError else { return false }
            return error.code == .toolChanged && error.message.contains("lookup")
        }
        #expect(pinning.pendingApprovals == ["chaos/lookup"])
        pinning.approve(server: "chaos", tool: "lookup")
        #expect(try await server.session.callTool("lookup", arguments: ["key": "k"]).text == "value of k")
        await server.stop()
    }

    @Test("two pinners sharing a file keep each other's pins")
    func sharedPinFile() throws {
        let file = NSTemporaryDirectory() + "pins-\(UUID().uuidString).json"
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: file + ".lock")
        }
        let first = ToolPinningInterceptor(file: file)
        let second = ToolPinningInterceptor(file: file)  // loaded before the first wrote anything
        let tool = Tool(name: "t", inputSchema: ["type": "object"])
        try first.approve(tool, server: "a")
        try second.approve(tool, server: "b")
        let saved = try #require(try JSONValue(parsing: String(contentsOfFile: file, encoding: .utf8)).objectValue)
        #expect(Set(saved.keys) == ["a/t", "b/t"])
        #expect(ToolPinningInterceptor(file: file).state(of: tool, server: "a") == .approved)
        let changed = Tool(name: "t", description: "different", inputSchema: ["type": "object"])
        #expect(ToolPinningInterceptor(file: file).state(of: changed, server: "a") == .changed)
        #expect(ToolPinningInterceptor(file: file).state(of: tool, server: "c") == .unpinned)
    }

    @Test(
        "a corrupt pin file blocks every call with an error naming it and the fix, in both modes, and is left untouched",
        arguments: [ToolPinningInterceptor.Mode.block, .warn]
    )
    func corruptPinFile(_ mode: ToolPinningInterceptor.Mode) async throws {
        let file = NSTemporaryDirectory() + "pins-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Approvals, cut off mid-write.
        let corrupt = #"{"chaos/lookup": "9f2b"#
        try corrupt.write(toFile: file, atomically: true, encoding: .utf8)
        let pinning = ToolPinningInterceptor(mode: mode, file: file)
        #expect(pinning.fileProblem?.file == file)
        let server = try await ChaosServer.start(interceptors: [pinning])
        for call in 0..<2 {
            await #expect {
                try await server.session.callTool(
                    "lookup",
                    arguments: ["key": .string("k\(call)")],
                    options: RequestOptions(validateArguments: false)
                )
            } throws: { error in
                guard let error = error as? MCPError else { return false }
                return error.code == .pinsUnavailable && error.message.contains(file) && error.message.contains("Restore or repair")
            }
        }
        await #expect { try await server.session.allTools() } throws: { ($0 as? MCPError)?.code == .pinsUnavailable }
        #expect(server.count("lookup") == 0, "a blocked call reached the server")
        #expect(throws: ConfigError.self) { try pinning.approve(Tool(name: "lookup", inputSchema: ["type": "object"]), server: "chaos") }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == corrupt, "the pin file was rewritten")
        await server.stop()
    }

    @Test("an unreadable pin file blocks calls too, and stays as it was")
    func unreadablePinFile() async throws {
        // A directory where the file should be: it exists, and reading it fails.
        let file = NSTemporaryDirectory() + "pins-\(UUID().uuidString).json"
        try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let pinning = ToolPinningInterceptor(file: file)
        let server = try await ChaosServer.start(interceptors: [pinning])
        await #expect {
            try await server.session.callTool("lookup", arguments: ["key": "k"], options: RequestOptions(validateArguments: false))
        } throws: { error in
            guard let error = error as? MCPError else { return false }
            return error.code == .pinsUnavailable && error.message.contains("cannot be read")
        }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) && isDirectory.boolValue)
        await server.stop()
    }

    @Test("a missing pin file is an empty one: tools are pinned and the file is created")
    func missingPinFile() async throws {
        let file = NSTemporaryDirectory() + "pins-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let pinning = ToolPinningInterceptor(file: file)
        #expect(pinning.fileProblem == nil)
        let server = try await ChaosServer.start(interceptors: [pinning])
        _ = try await server.session.allTools()
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("chaos/lookup"))
        await server.stop()
    }

    @Test("an unwritable pin file is an error that names it")
    func unwritablePinFile() {
        let pinning = ToolPinningInterceptor(file: "/nonexistent-directory/pins.json")
        #expect {
            try pinning.approve(Tool(name: "t", inputSchema: ["type": "object"]), server: "a")
        } throws: { error in
            (error as? ConfigError)?.file == "/nonexistent-directory/pins.json"
        }
    }

    @Test("the audit log gets one JSON line per call, with the arguments only hashed")
    func audit() async throws {
        let file = NSTemporaryDirectory() + "audit-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try await ChaosServer.start(interceptors: [AuditInterceptor(sink: try JSONLinesAuditSink(path: file), principal: "tester")])
        _ = try await server.session.callTool("lookup", arguments: ["key": "secret-value"])
        _ = try await server.session.callTool("fail")
        await server.stop()
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try #require(try JSONValue(parsing: String($0)).objectValue) }
        let calls = events.filter { $0["method"] == "tools/call" }
        #expect(calls.count == 2)
        #expect(calls[0]["tool"] == "lookup")
        #expect(calls[0]["principal"] == "tester")
        #expect(calls[0]["server"] == "chaos")
        #expect(calls[0]["outcome"] == "ok")
        #expect(calls[1]["outcome"] == "tool_error")
        #expect(calls[0]["argumentsSha256"]?.stringValue?.count == 64)
        #expect(!lines.joined().contains("secret-value"))
    }

}

/// Counts this process's descriptors and threads, so it must run alone: `scripts/test` runs
/// it in a separate `swift test` invocation after the others.
@Suite("No leaks (runs alone)")
struct LeakTests {
    @Test("after 10,000 failed calls, open descriptors and threads are back where they started")
    func noLeaks() async throws {
        let server = try await ChaosServer.start(interceptors: [MetricsInterceptor(), RetryInterceptor(), DeadlineInterceptor()])
        try await server.chaos("error")
        // Warm up so lazily made threads and handles exist before counting.
        for _ in 0..<100 { _ = try? await server.session.callTool("lookup", arguments: ["key": "k"]) }
        let descriptors = Self.count("/proc/self/fd")
        let threads = Self.count("/proc/self/task")
        var failures = 0
        for _ in 0..<10_000 {
            do { _ = try await server.session.callTool("lookup", arguments: ["key": "k"]) } catch { failures += 1 }
        }
        #expect(failures == 10_000)
        #expect(server.session.requestsInFlight == 0)
        #expect(Self.count("/proc/self/fd") == descriptors)
        #expect(Self.count("/proc/self/task") <= threads)
        await server.stop()
    }

    static func count(_ directory: String) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
    }
}
