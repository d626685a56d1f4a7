import Foundation
import JSONCore
import MCPClient
import MCPTransport
import MCPWire
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The stdio transport's lifetime against real processes: what closing, restarting and a
/// server that stops reading do.
@Suite("stdio transport lifetime", .serialized)
struct StdioLifecycleTests {
    /// Records what a transport tells its receiver.
    final class Receiver: TransportInbound {
        let log = Mutex<[String]>([])
        func receive(_ message: JSONRPCMessage) {}
        func receiveMalformed(_ error: TransportError) {}
        func requestFailed(_ id: RequestID, _ error: TransportError) {}
        func closed(_ error: TransportError?) { log.withLock { $0.append(error == nil ? "closed" : "closed: \(error!.code)") } }
        func connectionLost(_ error: TransportError) { log.withLock { $0.append("lost: \(error.exitStatus ?? "")") } }
    }

    /// Processes whose command line carries `marker`.
    static func processes(marked marker: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard words.contains(marker) else { return nil }
            // A zombie is gone in all but name.
            let stat = (try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8)) ?? ""
            return stat.contains(") Z ") ? nil : pid
        }
    }

    static let ping = OutboundMessage(.notification(JSONRPCNotification(method: "notifications/ping-test")))

    @Test("a transport closed while its server restarts stays closed: the new process is stopped and later sends fail", .timeLimit(.minutes(1)))
    func closedDuringRestart() async throws {
        let marker = "switchboard-test-\(UInt32.random(in: 0 ... .max))"
        let transport = StdioTransport(
            ProcessConfiguration(command: "/bin/sh", arguments: ["-c", "exec sleep 600", marker]),
            options: StdioTransport.Options(
                exitGracePeriod: .milliseconds(100),
                terminateGracePeriod: .milliseconds(500),
                restart: StdioTransport.RestartPolicy(maximumRestarts: 5, window: .seconds(60), initialBackoff: .milliseconds(200))
            )
        )
        let receiver = Receiver()
        try await transport.start(receiver)
        let first = try #require(transport.processID)
        kill(first, SIGKILL)
        while !receiver.log.withLock({ $0.contains { $0.hasPrefix("lost") } }) { await Task.yield() }
        // The next send restarts it; close while that restart is under way.
        let sender = Task { try await transport.send(Self.ping) }
        while transport.restartCount == 0 { await Task.yield() }
        await transport.close()
        _ = try? await sender.value
        await #expect { try await transport.send(Self.ping) } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.code == .closed && error.messageNotSent
        }
        #expect(Self.processes(marked: marker).isEmpty, "a process outlived close()")
        #expect(transport.processID == nil)
        #expect(receiver.log.withLock { $0.last } == "closed")
    }

    @Test("a server that stops reading its stdin fails further sends instead of queueing without bound", .timeLimit(.minutes(1)))
    func stalledServer() async throws {
        let transport = StdioTransport(
            ProcessConfiguration(command: "/bin/sh", arguments: ["-c", "exec sleep 600"]),
            options: StdioTransport.Options(
                exitGracePeriod: .milliseconds(100),
                terminateGracePeriod: .milliseconds(500),
                maximumPendingWriteBytes: 1 << 20
            )
        )
        try await transport.start(Receiver())
        let text = String(repeating: "x", count: 64 << 10)
        let big = OutboundMessage(.notification(JSONRPCNotification(method: "notifications/bulk", params: ["text": .string(text)])))
        var sent = 0
        var failure: TransportError?
        while sent < 64 << 20 {
            do { try await transport.send(big) } catch {
                failure = error
                break
            }
            sent += 64 << 10
        }
        let error = try #require(failure, "64 MiB went to a server that reads nothing")
        #expect(error.code == .writeFailed)
        #expect(error.messageNotSent)
        // The pipe's own buffer, the queue's limit, and one frame.
        #expect(sent <= (1 << 20) + (1 << 20) + (128 << 10), "\(sent) bytes were accepted")
        await transport.close()
    }
}

@Suite("stdio channel descriptors")
struct ProcessChannelDescriptorTests {
    @Test("once the channel's thread has ended, waking it writes nothing into a file that reuses its descriptor numbers", .timeLimit(.minutes(1)))
    func noWriteAfterClose() async throws {
        // A real child for the pid (signals go to it if shutdown ever escalated; it never does here).
        let child = ExternalProcess("/bin/sleep", ["30"])
        try child.start()
        defer { child.stop() }
        func makePipe() -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0)
            return (fds[0], fds[1])
        }
        let stdin = makePipe(), stdout = makePipe(), stderr = makePipe()
        let channel = try ProcessChannel(
            descriptors: .init(stdinWrite: stdin.write, stdoutRead: stdout.read, stderrRead: stderr.read, pid: child.pid, pidfd: -1),
            inbound: StdioLifecycleTests.Receiver(),
            timings: .init(afterCloseStdin: .seconds(30), afterTerminate: .seconds(30))
        )
        try channel.start(name: "test-channel")
        // Both outputs ending stands for the exit (no pidfd): the thread finishes and closes its descriptors.
        close(stdout.write)
        close(stderr.write)
        await channel.waitUntilFinished()
        close(stdin.read)
        // New socket pairs take the numbers just freed, the wake-up descriptor's among them;
        // both ends of each are writable, and what one end is written shows at the other.
        var reused: [Int32] = []
        for _ in 0..<4 {
            var pair: [Int32] = [0, 0]
            precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
            reused += pair
        }
        defer { for descriptor in reused { close(descriptor) } }
        channel.requestClose()
        for descriptor in reused {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            var byte: UInt8 = 0
            #expect(read(descriptor, &byte, 1) < 0, "a late wake-up wrote into a socket that reused a freed descriptor (\(descriptor)'s peer)")
        }
    }
}
