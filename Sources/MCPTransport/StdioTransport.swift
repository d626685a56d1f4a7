import MCPWire
import CSystemShims
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How to start a server process.
public struct ProcessConfiguration: Sendable, Hashable {
    /// The program: a path, or a name looked up in `PATH`.
    public var command: String
    public var arguments: [String]
    /// Variables added to (or replacing those in) the environment this process inherits.
    public var environment: [String: String]
    /// Start from an empty environment instead of inheriting this process's.
    public var clearEnvironment: Bool
    /// The working directory; this process's when `nil`.
    public var workingDirectory: String?

    public init(
        command: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        clearEnvironment: Bool = false,
        workingDirectory: String? = nil
    ) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.clearEnvironment = clearEnvironment
        self.workingDirectory = workingDirectory
    }

    /// The command line, for messages.
    public var commandLine: String { ([command] + arguments).joined(separator: " ") }
}

/// The stdio transport: spawns the server and speaks newline-delimited JSON-RPC over its
/// stdin and stdout. stderr is captured separately (see ``Options/stderrHandler``).
///
/// Shutdown follows the specification: close stdin, wait, SIGTERM, wait, SIGKILL.
public final class StdioTransport: Transport {
    public struct Options: Sendable {
        /// How long the server has to exit after its stdin closes, before SIGTERM.
        public var exitGracePeriod: Duration
        /// How long after SIGTERM before SIGKILL.
        public var terminateGracePeriod: Duration
        /// The largest message accepted; larger ones are dropped and reported.
        public var maximumMessageBytes: Int
        /// Receives every line the server writes to stderr.
        public var stderrHandler: (@Sendable (String) -> Void)?

        public init(
            exitGracePeriod: Duration = .seconds(2),
            terminateGracePeriod: Duration = .seconds(2),
            maximumMessageBytes: Int = 64 << 20,
            stderrHandler: (@Sendable (String) -> Void)? = nil
        ) {
            self.exitGracePeriod = exitGracePeriod
            self.terminateGracePeriod = terminateGracePeriod
            self.maximumMessageBytes = maximumMessageBytes
            self.stderrHandler = stderrHandler
        }
    }

    private enum State {
        case idle
        case running(ProcessChannel, Task<Void, Never>)
        case closed
    }

    public let configuration: ProcessConfiguration
    public let options: Options
    public var kind: TransportKind { .stdio }
    private let state = Mutex(State.idle)
    private let stderr: StderrCapture
    private let exitInfo = Mutex<(status: String?, pid: Int32?)>((nil, nil))

    public init(_ configuration: ProcessConfiguration, options: Options = Options()) {
        self.configuration = configuration
        self.options = options
        self.stderr = StderrCapture(handler: options.stderrHandler)
        Self.ignoreSIGPIPE
    }

    /// Writing to a pipe whose reader has exited raises SIGPIPE, which would kill this whole
    /// process; the write's EPIPE error is handled instead.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// The last lines the server wrote to stderr.
    public var stderrTail: [String] { stderr.lastLines }

    /// The server's process id while it runs.
    public var processID: Int32? { exitInfo.withLock { $0.pid } }

    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        var pipes: [(read: Int32, write: Int32)] = []
        for _ in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard switchboard_pipe_cloexec(&fds) == 0 else {
                let reason = errnoDescription(errno)
                for pipe in pipes { Glibc.close(pipe.read); Glibc.close(pipe.write) }
                throw TransportError(.spawnFailed, "could not create pipes: \(reason)")
            }
            pipes.append((fds[0], fds[1]))
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])

        let configuration = self.configuration
        let executable: Executable =
            configuration.command.contains("/")
            ? .path(FilePath(configuration.command)) : .name(configuration.command)
        var updates: [Environment.Key: String] = [:]
        for (key, value) in configuration.environment { updates[Environment.Key(stringLiteral: key)] = value }
        let environment: Environment =
            configuration.clearEnvironment ? .custom(updates) : .inherit.updating(updates.mapValues { Optional($0) })
        let workingDirectory = configuration.workingDirectory.map { FilePath($0) }

        let started = ContinuationSlot<ProcessChannel>()
        let stderr = self.stderr
        let options = self.options

        // The process lives for as long as `Subprocess.run`'s body does, which outlives this
        // call: the task is owned by this transport and awaited by `close()`.
        let task = Task {
            var closeError: TransportError?
            do {
                let outcome = try await Subprocess.run(
                    executable,
                    arguments: Arguments(configuration.arguments),
                    environment: environment,
                    workingDirectory: workingDirectory,
                    input: .fileDescriptor(FileDescriptor(rawValue: stdinPipe.read), closeAfterSpawningProcess: true),
                    output: .fileDescriptor(FileDescriptor(rawValue: stdoutPipe.write), closeAfterSpawningProcess: true),
                    error: .fileDescriptor(FileDescriptor(rawValue: stderrPipe.write), closeAfterSpawningProcess: true)
                ) { execution in
                    let identifier = execution.processIdentifier
                    self.exitInfo.withLock { $0.pid = identifier.value }
                    let channel = try ProcessChannel(
                        descriptors: .init(
                            stdinWrite: stdinPipe.write,
                            stdoutRead: stdoutPipe.read,
                            stderrRead: stderrPipe.read,
                            pid: identifier.value,
                            pidfd: identifier.processDescriptor
                        ),
                        inbound: inbound,
                        stderr: stderr,
                        timings: .init(afterCloseStdin: options.exitGracePeriod, afterTerminate: options.terminateGracePeriod),
                        maximumFrameBytes: options.maximumMessageBytes
                    )
                    try channel.start(name: "mcp-stdio")
                    started.resume(returning: channel)
                    await channel.waitUntilFinished()
                }
                let status = String(describing: outcome.terminationStatus)
                self.exitInfo.withLock { $0.status = status }
                closeError = TransportError(
                    .processExited,
                    "server process '\(configuration.commandLine)' exited (\(status))",
                    exitStatus: status,
                    stderrTail: stderr.lastLines
                )
            } catch {
                let transportError = Self.describeSpawnFailure(error, configuration: configuration)
                for fd in [stdinPipe.write, stdoutPipe.read, stderrPipe.read] { Glibc.close(fd) }
                if started.resume(throwing: transportError) { return }
                closeError = transportError
            }
            let wasClosedByUs = self.state.withLock { state -> Bool in
                if case .closed = state { return true }
                state = .closed
                return false
            }
            inbound.closed(wasClosedByUs ? nil : closeError)
        }

        do {
            let channel = try await started.wait()
            state.withLock { $0 = .running(channel, task) }
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.spawnFailed, "could not start '\(configuration.commandLine)': \(error)")
        }
    }

    static func describeSpawnFailure(_ error: any Error, configuration: ProcessConfiguration) -> TransportError {
        if let error = error as? TransportError { return error }
        if let error = error as? SubprocessError {
            if error.code == .executableNotFound {
                return TransportError(
                    .spawnFailed,
                    "command '\(configuration.command)' was not found; check that it is installed and on PATH",
                    underlying: error
                )
            }
            if error.code == .failedToChangeWorkingDirectory {
                return TransportError(
                    .spawnFailed,
                    "cannot start '\(configuration.command)' in directory '\(configuration.workingDirectory ?? "")'",
                    underlying: error
                )
            }
        }
        return TransportError(.spawnFailed, "could not start '\(configuration.commandLine)': \(error)")
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        let channel: ProcessChannel? = state.withLock { state in
            if case .running(let channel, _) = state { return channel }
            return nil
        }
        guard let channel else { throw TransportError(.closed, "the stdio transport is not running") }
        var frame: [UInt8] = []
        frame.reserveCapacity(256)
        message.message.encode(into: &frame)
        frame.append(UInt8(ascii: "\n"))
        try channel.write(frame)
    }

    /// The connection's I/O thread, as an executor (see ``Transport/preferredTaskExecutor``).
    public var preferredTaskExecutor: (any TaskExecutor)? {
        state.withLock { state in
            if case .running(let channel, _) = state { return channel }
            return nil
        }
    }

    public func close() async {
        let running: (ProcessChannel, Task<Void, Never>)? = state.withLock { state in
            defer { state = .closed }
            if case .running(let channel, let task) = state { return (channel, task) }
            return nil
        }
        guard let (channel, task) = running else { return }
        channel.requestClose()
        await task.value
    }
}
