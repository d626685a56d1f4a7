import CSystemShims
import MCPWire
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
/// Shutdown follows the specification: close stdin, wait, SIGTERM, wait, SIGKILL
/// (``ShutdownSequence``).
///
/// With a ``RestartPolicy``, a server that exits on its own is started again on the next
/// send, as the specification recommends ("the client SHOULD restart it"): the requests in
/// flight are lost (the receiver hears ``TransportInbound/connectionLost(_:)``), later ones go
/// to the new process. Restarts back off exponentially, and too many in a short time end the
/// transport with ``TransportError/Code/crashLoop`` and the server's last stderr lines. The
/// process's life is the ``ProcessLifecycle`` state machine; this type does its I/O.
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
        /// How many bytes may wait to be written to a server that is not reading its stdin;
        /// beyond that, sends fail (the message is not sent) instead of queueing without bound.
        public var maximumPendingWriteBytes: Int
        /// Receives every line the server writes to stderr.
        public var stderrHandler: (@Sendable (String) -> Void)?
        /// Whether and how often a server that exits is started again.
        public var restart: RestartPolicy

        public init(
            exitGracePeriod: Duration = .seconds(2),
            terminateGracePeriod: Duration = .seconds(2),
            maximumMessageBytes: Int = 64 << 20,
            maximumPendingWriteBytes: Int = 16 << 20,
            stderrHandler: (@Sendable (String) -> Void)? = nil,
            restart: RestartPolicy = .never
        ) {
            self.exitGracePeriod = exitGracePeriod
            self.terminateGracePeriod = terminateGracePeriod
            self.maximumMessageBytes = maximumMessageBytes
            self.maximumPendingWriteBytes = maximumPendingWriteBytes
            self.stderrHandler = stderrHandler
            self.restart = restart
        }
    }

    /// One running server process: its channel, pid, and how it ended once it has.
    final class RunningProcess: Sendable {
        let channel: ProcessChannel
        let pid: Int32
        let ended = OneShot<TransportError>()

        init(channel: ProcessChannel, pid: Int32) {
            self.channel = channel
            self.pid = pid
        }
    }

    /// A sender waiting for a restarted process.
    struct Waiter {
        let id: Int
        let continuation: UnsafeContinuation<RunningProcess, any Error>
    }

    public let configuration: ProcessConfiguration
    public let options: Options
    public var kind: TransportKind { .stdio }
    private let lifecycle: Mutex<ProcessLifecycle<RunningProcess, Waiter>>
    /// The receiver; cleared once the transport has closed, so a closed session and its
    /// transport do not keep each other alive.
    private let inbound = Mutex<(any TransportInbound)?>(nil)
    /// Each process's task, by generation: it owns the process for its whole life, and
    /// ``close()`` awaits it.
    private let processTasks = Mutex<[Int: Task<Void, Never>]>([:])
    private let waiterCounter = Atomic<Int>(0)
    private let stderr: StderrCapture

    public init(_ configuration: ProcessConfiguration, options: Options = Options()) {
        self.configuration = configuration
        self.options = options
        self.stderr = StderrCapture(handler: options.stderrHandler)
        self.lifecycle = Mutex(ProcessLifecycle(policy: options.restart))
        Self.ignoreSIGPIPE
    }

    /// Writing to a pipe whose reader has exited raises SIGPIPE, which would kill this whole
    /// process; the write's EPIPE error is handled instead.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// The last lines the server wrote to stderr.
    public var stderrTail: [String] { stderr.lastLines }

    /// The server's process id while it runs.
    public var processID: Int32? { lifecycle.withLock { $0.channel?.pid } }

    /// How many times the server has been started again after exiting.
    public var restartCount: Int { lifecycle.withLock { $0.restartCount } }

    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        self.inbound.withLock { $0 = inbound }
        switch lifecycle.withLock({ $0.start() }) {
        case .fail(let error):
            throw error
        case .spawn(let generation):
            let started = ContinuationSlot<RunningProcess>()
            launch(generation: generation, after: .zero, inbound: inbound, started: started)
            do {
                _ = try await started.wait()
            } catch let error as TransportError {
                throw error
            } catch {
                throw TransportError(.spawnFailed, "could not start '\(configuration.commandLine)': \(error)")
            }
        }
    }

    /// Starts process `generation` after `delay`, in a task that owns it until it exits.
    private func launch(generation: Int, after delay: Duration, inbound: any TransportInbound, started: ContinuationSlot<RunningProcess>?) {
        // The process lives as long as `Subprocess.run`'s body, which outlives the caller that
        // asked for it (the start, or the send that restarts it): the task is kept by
        // generation and awaited by `close()`.
        processTasks.withLock { tasks in
            // Made under the lock, so the task cannot remove its entry before it is there.
            tasks[generation] = Task { [self] in
                await runProcess(generation: generation, after: delay, inbound: inbound, started: started)
                _ = processTasks.withLock { $0.removeValue(forKey: generation) }
            }
        }
    }

    private func runProcess(generation: Int, after delay: Duration, inbound: any TransportInbound, started: ContinuationSlot<RunningProcess>?) async {
        if delay > .zero {
            do { try await Task.sleep(for: delay) } catch {
                spawnFailed(generation, TransportError(.closed, "the restart was cancelled", messageNotSent: true), started: started)
                return
            }
        }
        var pipes: [(read: Int32, write: Int32)] = []
        for _ in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard switchboard_pipe_cloexec(&fds) == 0 else {
                let reason = errnoDescription(errno)
                for pipe in pipes {
                    Glibc.close(pipe.read)
                    Glibc.close(pipe.write)
                }
                spawnFailed(generation, TransportError(.spawnFailed, "could not create pipes: \(reason)", messageNotSent: true), started: started)
                return
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
        let stderr = self.stderr
        let options = self.options
        let current = Mutex<RunningProcess?>(nil)

        let ending: TransportError
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
                    maximumFrameBytes: options.maximumMessageBytes,
                    maximumPendingBytes: options.maximumPendingWriteBytes
                )
                try channel.start(name: "mcp-stdio")
                let process = RunningProcess(channel: channel, pid: identifier.value)
                current.withLock { $0 = process }
                switch self.lifecycle.withLock({ $0.spawned(generation: generation, channel: process) }) {
                case .use(let waiters):
                    for waiter in waiters { waiter.continuation.resume(returning: process) }
                    started?.resume(returning: process)
                case .stop:
                    // Closed while it was starting: stop it at once.
                    channel.requestClose()
                    started?.resume(
                        throwing: TransportError(.closed, "the stdio transport was closed while the server started", messageNotSent: true)
                    )
                }
                await channel.waitUntilFinished()
            }
            let status = String(describing: outcome.terminationStatus)
            ending = TransportError(
                .processExited,
                "server process '\(configuration.commandLine)' exited (\(status))",
                exitStatus: status,
                stderrTail: stderr.lastLines
            )
        } catch {
            guard let process = current.withLock({ $0 }) else {
                for fd in [stdinPipe.write, stdoutPipe.read, stderrPipe.read] { Glibc.close(fd) }
                spawnFailed(generation, Self.describeSpawnFailure(error, configuration: configuration), started: started)
                return
            }
            // It ran, then something failed while waiting for it.
            ending = TransportError(.processExited, "server process '\(configuration.commandLine)' ended: \(error)", stderrTail: stderr.lastLines)
            _ = process
        }
        current.withLock { $0 }?.ended.resume(ending)
        switch lifecycle.withLock({ $0.processEnded(generation: generation, error: ending) }) {
        case .connectionLost(let error):
            self.inbound.withLock { $0 }?.connectionLost(error)
        case .closed(let error):
            deliverClosed(error)
        case .ignore:
            break
        }
    }

    private func spawnFailed(_ generation: Int, _ error: TransportError, started: ContinuationSlot<RunningProcess>?) {
        switch lifecycle.withLock({ $0.spawnFailed(generation: generation, error: error) }) {
        case .fail(let failure, let waiters):
            for waiter in waiters { waiter.continuation.resume(throwing: failure) }
            started?.resume(throwing: failure)
        case .ignore:
            started?.resume(throwing: error)
            if lifecycle.withLock({ $0.spawnSettledAfterClose() }) { deliverClosed(nil) }
        }
    }

    /// Tells the receiver the transport closed, then lets go of it.
    private func deliverClosed(_ error: TransportError?) {
        let receiver = inbound.withLock { inbound in
            defer { inbound = nil }
            return inbound
        }
        receiver?.closed(error)
    }

    static func describeSpawnFailure(_ error: any Error, configuration: ProcessConfiguration) -> TransportError {
        if var error = error as? TransportError {
            error.messageNotSent = true
            return error
        }
        if let error = error as? SubprocessError {
            if error.code == .executableNotFound {
                return TransportError(
                    .spawnFailed,
                    "command '\(configuration.command)' was not found; check that it is installed and on PATH",
                    underlying: error,
                    messageNotSent: true
                )
            }
            if error.code == .failedToChangeWorkingDirectory {
                return TransportError(
                    .spawnFailed,
                    "cannot start '\(configuration.command)' in directory '\(configuration.workingDirectory ?? "")'",
                    underlying: error,
                    messageNotSent: true
                )
            }
        }
        return TransportError(.spawnFailed, "could not start '\(configuration.commandLine)': \(error)", messageNotSent: true)
    }

    /// The running process, starting it again first if it exited and may restart.
    private func processForSending() async throws(TransportError) -> RunningProcess {
        // The common case, a running process, needs no continuation: waiting (and the
        // cancellation record it needs) is only for a restart.
        if let running = lifecycle.withLock({ $0.channel }) { return running }
        let waiterID = waiterCounter.add(1, ordering: .relaxed).newValue
        // Fast path: running, no continuation needed.
        enum Step {
            case use(RunningProcess)
            case restart(Int, Duration)
            case wait
            case fail(TransportError)
        }
        do {
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<RunningProcess, any Error>) in
                    let step: Step = lifecycle.withLock { machine in
                        switch machine.send(now: .now, waiter: Waiter(id: waiterID, continuation: continuation)) {
                        case .use(let process): return .use(process)
                        case .restart(let generation, let delay): return .restart(generation, delay)
                        case .wait: return .wait
                        case .fail(let error): return .fail(error)
                        }
                    }
                    switch step {
                    case .use(let process): continuation.resume(returning: process)
                    case .wait: break
                    case .restart(let generation, let delay):
                        if let inbound = inbound.withLock({ $0 }) {
                            launch(generation: generation, after: delay, inbound: inbound, started: nil)
                        } else {
                            spawnFailed(generation, TransportError(.closed, "the stdio transport is closed", messageNotSent: true), started: nil)
                        }
                    case .fail(let error):
                        if error.code == .crashLoop {
                            var described = error
                            described.message = "server '\(configuration.commandLine)' " + error.message
                            continuation.resume(throwing: described)
                            deliverClosed(described)
                        } else {
                            continuation.resume(throwing: error)
                        }
                    }
                }
            } onCancel: {
                lifecycle.withLock { $0.stopWaiting { $0.id == waiterID } }?.continuation.resume(throwing: CancellationError())
            }
        } catch let error as TransportError {
            throw error
        } catch is CancellationError {
            throw TransportError(.closed, "the send was cancelled while the server restarted", messageNotSent: true)
        } catch {
            throw TransportError(.spawnFailed, "restart failed: \(error)", messageNotSent: true)
        }
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        let process = try await processForSending()
        var frame: [UInt8] = []
        frame.reserveCapacity(256)
        message.message.encode(into: &frame)
        frame.append(UInt8(ascii: "\n"))
        do { try process.channel.write(frame) } catch {
            var explained = await explainWriteFailure(error, process: process)
            explained.messageNotSent = error.messageNotSent
            throw explained
        }
    }

    /// A write fails (a broken pipe) when the process has just exited: the exit, with the
    /// server's last stderr lines, says why; the broken pipe does not. Waits (at most two
    /// seconds) for this process's exit to be seen.
    private func explainWriteFailure(_ error: TransportError, process: RunningProcess) async -> TransportError {
        guard error.code == .writeFailed || error.code == .closed else { return error }
        return await process.ended.value(within: .seconds(2)) ?? error
    }

    /// The connection's I/O thread, as an executor (see ``Transport/preferredTaskExecutor``).
    public var preferredTaskExecutor: (any TaskExecutor)? {
        lifecycle.withLock { $0.channel?.channel }
    }

    public func close() async {
        switch lifecycle.withLock({ $0.close() }) {
        case .stop(let process):
            process.channel.requestClose()
        case .awaitSpawn(let waiters):
            for waiter in waiters {
                waiter.continuation.resume(throwing: TransportError(.closed, "the stdio transport was closed", messageNotSent: true))
            }
            // A back-off still sleeping ends now; a spawn under way is stopped when it is up.
            for task in processTasks.withLock({ Array($0.values) }) { task.cancel() }
        case .closed:
            deliverClosed(nil)
        case .nothing:
            break
        }
        // Every process this transport started has ended when close returns.
        while let task = processTasks.withLock({ $0.values.first }) {
            await task.value
        }
    }
}
