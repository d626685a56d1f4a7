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
///
/// With a ``RestartPolicy``, a server that exits on its own is started again on the next
/// send, as the specification recommends ("the client SHOULD restart it"): the requests in
/// flight are lost (the receiver hears ``TransportInbound/connectionLost(_:)``), later ones go
/// to the new process. Restarts back off exponentially, and too many in a short time end the
/// transport with ``TransportError/Code/crashLoop`` and the server's last stderr lines.
public final class StdioTransport: Transport {
    /// When to start a server again after it exits on its own.
    public struct RestartPolicy: Sendable, Hashable {
        /// How many restarts are allowed within ``window``; 0 means never restart.
        public var maximumRestarts: Int
        public var window: Duration
        /// The wait before the first restart; it doubles with each restart in the window.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration

        public init(maximumRestarts: Int, window: Duration, initialBackoff: Duration = .milliseconds(50), maximumBackoff: Duration = .seconds(5)) {
            self.maximumRestarts = maximumRestarts
            self.window = window
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }

        /// Never restart: an exit closes the transport.
        public static let never = RestartPolicy(maximumRestarts: 0, window: .zero)
        /// Up to 5 restarts a minute.
        public static let standard = RestartPolicy(maximumRestarts: 5, window: .seconds(60))
    }

    public struct Options: Sendable {
        /// How long the server has to exit after its stdin closes, before SIGTERM.
        public var exitGracePeriod: Duration
        /// How long after SIGTERM before SIGKILL.
        public var terminateGracePeriod: Duration
        /// The largest message accepted; larger ones are dropped and reported.
        public var maximumMessageBytes: Int
        /// Receives every line the server writes to stderr.
        public var stderrHandler: (@Sendable (String) -> Void)?
        /// Whether and how often a server that exits is started again.
        public var restart: RestartPolicy

        public init(
            exitGracePeriod: Duration = .seconds(2),
            terminateGracePeriod: Duration = .seconds(2),
            maximumMessageBytes: Int = 64 << 20,
            stderrHandler: (@Sendable (String) -> Void)? = nil,
            restart: RestartPolicy = .never
        ) {
            self.exitGracePeriod = exitGracePeriod
            self.terminateGracePeriod = terminateGracePeriod
            self.maximumMessageBytes = maximumMessageBytes
            self.stderrHandler = stderrHandler
            self.restart = restart
        }
    }

    private enum State {
        case idle
        case running(ProcessChannel, Task<Void, Never>)
        /// The process exited on its own; the next send starts it again.
        case exited(TransportError)
        case spawning(Task<ProcessChannel, any Error>)
        case closed
    }

    public let configuration: ProcessConfiguration
    public let options: Options
    public var kind: TransportKind { .stdio }
    private let state = Mutex(State.idle)
    private let inbound = Mutex<(any TransportInbound)?>(nil)
    private let stderr: StderrCapture
    private let exitInfo = Mutex<(status: String?, pid: Int32?)>((nil, nil))
    private let restarts = Mutex<(times: [ContinuousClock.Instant], total: Int)>(([], 0))

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

    /// How many times the server has been started again after exiting.
    public var restartCount: Int { restarts.withLock { $0.total } }

    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        self.inbound.withLock { $0 = inbound }
        let channel = try await spawn()
        state.withLock { $0 = .running(channel.0, channel.1) }
    }

    /// Starts the process; returns its channel once the I/O thread runs.
    private func spawn() async throws(TransportError) -> (ProcessChannel, Task<Void, Never>) {
        guard let inbound = inbound.withLock({ $0 }) else { throw TransportError(.closed, "the stdio transport was not started") }
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
            var exitError: TransportError
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
                exitError = TransportError(
                    .processExited,
                    "server process '\(configuration.commandLine)' exited (\(status))",
                    exitStatus: status,
                    stderrTail: stderr.lastLines
                )
            } catch {
                let transportError = Self.describeSpawnFailure(error, configuration: configuration)
                for fd in [stdinPipe.write, stdoutPipe.read, stderrPipe.read] { Glibc.close(fd) }
                if started.resume(throwing: transportError) { return }
                exitError = transportError
            }
            self.processEnded(exitError)
        }

        do {
            let channel = try await started.wait()
            return (channel, task)
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.spawnFailed, "could not start '\(configuration.commandLine)': \(error)")
        }
    }

    /// The process ended on its own, or after ``close()``.
    private func processEnded(_ error: TransportError) {
        enum Next { case closedByUs, lost, closed }
        let restartable = options.restart.maximumRestarts > 0
        let next: Next = state.withLock { state in
            if case .closed = state { return .closedByUs }
            guard case .running = state else { return .closedByUs }
            if restartable {
                state = .exited(error)
                return .lost
            }
            state = .closed
            return .closed
        }
        let receiver = inbound.withLock { $0 }
        switch next {
        case .closedByUs: receiver?.closed(nil)
        case .lost: receiver?.connectionLost(error)
        case .closed: receiver?.closed(error)
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

    /// The running channel, starting the process again first if it exited and may restart.
    private func channelForSending() async throws(TransportError) -> ProcessChannel {
        enum Step {
            case use(ProcessChannel)
            case wait(Task<ProcessChannel, any Error>)
            case fail(TransportError)
        }
        let step: Step = state.withLock { state in
            switch state {
            case .running(let channel, _): return .use(channel)
            case .spawning(let task): return .wait(task)
            case .idle: return .fail(TransportError(.closed, "the stdio transport is not running", messageNotSent: true))
            case .closed: return .fail(TransportError(.closed, "the stdio transport is closed", messageNotSent: true))
            case .exited(let lastError):
                let delay: Duration
                switch recordRestart() {
                case .allowed(let backoff): delay = backoff
                case .crashLoop(let count):
                    let failure = TransportError(
                        .crashLoop,
                        "server '\(configuration.commandLine)' exited \(count) times within \(options.restart.window); giving up (last: \(lastError.message))",
                        exitStatus: lastError.exitStatus,
                        stderrTail: stderr.lastLines,
                        messageNotSent: true
                    )
                    state = .closed
                    return .fail(failure)
                }
                // Starting again is shared: concurrent senders all wait for the same process.
                let task = Task<ProcessChannel, any Error> {
                    try await Task.sleep(for: delay)
                    let (channel, runner) = try await self.spawn()
                    self.state.withLock { $0 = .running(channel, runner) }
                    return channel
                }
                state = .spawning(task)
                return .wait(task)
            }
        }
        switch step {
        case .use(let channel): return channel
        case .fail(let error):
            if error.code == .crashLoop { inbound.withLock { $0 }?.closed(error) }
            throw error
        case .wait(let task):
            do { return try await task.value } catch {
                let failure = (error as? TransportError) ?? TransportError(.spawnFailed, "restart failed: \(error)")
                state.withLock { state in
                    if case .spawning = state { state = .exited(failure) }
                }
                throw failure
            }
        }
    }

    private enum RestartDecision { case allowed(Duration), crashLoop(Int) }

    private func recordRestart() -> RestartDecision {
        let policy = options.restart
        let now = ContinuousClock.now
        return restarts.withLock { history in
            history.times.removeAll { now - $0 > policy.window }
            if history.times.count >= policy.maximumRestarts { return .crashLoop(history.times.count + 1) }
            let exponent = history.times.count
            history.times.append(now)
            history.total += 1
            var backoff = policy.initialBackoff
            for _ in 0..<exponent { backoff = min(backoff * 2, policy.maximumBackoff) }
            return .allowed(exponent == 0 ? .zero : backoff)
        }
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        let channel = try await channelForSending()
        var frame: [UInt8] = []
        frame.reserveCapacity(256)
        message.message.encode(into: &frame)
        frame.append(UInt8(ascii: "\n"))
        do { try channel.write(frame) } catch {
            var explained = await explainWriteFailure(error)
            explained.messageNotSent = error.messageNotSent
            throw explained
        }
    }

    /// A write fails (a broken pipe) when the process has just exited: the exit, with the
    /// server's last stderr lines, says why; the broken pipe does not. Waits briefly for the
    /// exit to be seen.
    private func explainWriteFailure(_ error: TransportError) async -> TransportError {
        guard error.code == .writeFailed || error.code == .closed else { return error }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2)
        while clock.now < deadline {
            if let status = exitInfo.withLock({ $0.status }) {
                return TransportError(
                    .processExited, "server process '\(configuration.commandLine)' exited (\(status))",
                    exitStatus: status, stderrTail: stderr.lastLines)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return error
    }

    /// The connection's I/O thread, as an executor (see ``Transport/preferredTaskExecutor``).
    public var preferredTaskExecutor: (any TaskExecutor)? {
        state.withLock { state in
            if case .running(let channel, _) = state { return channel }
            return nil
        }
    }

    public func close() async {
        enum Action { case stop(ProcessChannel, Task<Void, Never>), wait(Task<ProcessChannel, any Error>), notify, nothing }
        let action: Action = state.withLock { state in
            defer { state = .closed }
            switch state {
            case .running(let channel, let task): return .stop(channel, task)
            case .spawning(let task): return .wait(task)
            case .exited: return .notify
            case .idle, .closed: return .nothing
            }
        }
        switch action {
        case .stop(let channel, let task):
            channel.requestClose()
            await task.value
        case .wait(let spawning):
            spawning.cancel()
            if let channel = try? await spawning.value { channel.requestClose() }
            inbound.withLock { $0 }?.closed(nil)
        case .notify:
            inbound.withLock { $0 }?.closed(nil)
        case .nothing:
            break
        }
    }
}
