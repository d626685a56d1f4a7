import Foundation

/// A process a test starts and stops: a peer server, or the `switchboard` binary.
public final class ExternalProcess: @unchecked Sendable {
    // `Process` is not Sendable; this wrapper is used from one test at a time and guards its
    // output buffers with a lock.
    public let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = stdinPipe
    }

    /// Starts the process and a reader thread for each of its outputs.
    ///
    /// Blocking reads on threads of their own until end of file, rather than
    /// `readabilityHandler`: a dispatch source over a pipe Foundation closes when the process
    /// ends crashed libdispatch's manager thread (signal 11 in `_dispatch_event_loop_drain`)
    /// in a loaded test run.
    public func start() throws {
        try process.run()
        Self.drain(stdoutPipe.fileHandleForReading) { [weak self] data in self?.lock.withLock { self?.stdoutData.append(data) } }
        Self.drain(stderrPipe.fileHandleForReading) { [weak self] data in self?.lock.withLock { self?.stderrData.append(data) } }
    }

    private static func drain(_ handle: FileHandle, into append: @escaping @Sendable (Data) -> Void) {
        let reader = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                append(data)
            }
        }
        reader.start()
    }

    public var stdout: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }
    public var stderr: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }
    public var pid: Int32 { process.processIdentifier }

    public func write(_ text: String) {
        stdinPipe.fileHandleForWriting.write(Data(text.utf8))
    }

    public func closeStdin() { try? stdinPipe.fileHandleForWriting.close() }

    /// Stops the process (SIGTERM, then SIGKILL) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits for the process to exit and returns its status.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    deinit { stop() }

    /// Runs `executable` to completion and returns (status, stdout, stderr).
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: String? = nil,
        stdin: String? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = ExternalProcess(executable, arguments, environment: environment, directory: directory)
        try process.start()
        if let stdin { process.write(stdin) }
        process.closeStdin()
        let status = await process.wait()
        // Let the readability handlers drain what is left.
        try await Task.sleep(for: .milliseconds(20))
        return (status, process.stdout, process.stderr)
    }
}

/// Network helpers for tests.
public enum Network {
    /// A TCP socket bound to a port on 127.0.0.1 but not listening: connections to its port
    /// are refused for as long as it is open, and no other process can take the port.
    public final class BoundSocket: Sendable {
        public let port: Int
        private let descriptor: Int32

        public init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.descriptor = descriptor
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            guard bound == 0 else {
                Glibc.close(descriptor)
                throw POSIXError(.EADDRINUSE)
            }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        public func close() { _ = Glibc.close(descriptor) }
    }

    /// A TCP port that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts connections on `port`, up to `timeout`.
    public static func waitForListener(port: Int, timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if connected == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw POSIXError(.ETIMEDOUT)
    }
}

/// A peer HTTP server on a free port, stopped when released.
public final class HTTPPeer: Sendable {
    public let process: ExternalProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/mcp" }

    /// Starts `executable` with `arguments(port)` and waits until it listens; on `port` when
    /// given (to stand in for a server that was stopped), else a free one.
    public init(_ executable: String, port: Int? = nil, arguments: (Int) -> [String], path: String = "/mcp") async throws {
        try Peers.require(executable)
        let port = try port ?? Network.freePort()
        self.port = port
        self.process = ExternalProcess(executable, arguments(port))
        try process.start()
        do {
            try await Network.waitForListener(port: port)
        } catch {
            process.stop()
            throw PeerFailed(description: "server did not start listening on \(port): \(process.stderr)")
        }
    }

    public func stop() { process.stop() }

    public struct PeerFailed: Error, CustomStringConvertible { public var description: String }
}

/// Runs `body` with a fresh folder holding `files` (paths relative to it, folders made as
/// needed); the folder is removed afterwards.
public func withTemporaryFolder<Result>(
    files: [String: String],
    _ body: (_ folder: String) async throws -> Result
) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, contents) in files {
        let file = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file, atomically: true, encoding: .utf8)
    }
    return try await body(directory.path)
}

/// Runs `body` with the path of a fresh file holding `contents`; the file is removed afterwards.
public func withTemporaryFile<Result>(
    named name: String,
    contents: String,
    _ body: (_ path: String) async throws -> Result
) async throws -> Result {
    try await withTemporaryFolder(files: [name: contents]) { folder in try await body(folder + "/" + name) }
}
