import CSystemShims
import MCPWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The I/O of one spawned server process: newline-delimited JSON over its stdin and stdout,
/// stderr captured apart, and the shutdown sequence the specification describes
/// (``ShutdownSequence``).
///
/// One OS thread waits in `poll(2)` on stdout, stderr, a wake-up `eventfd`, the process's
/// pidfd and (only while writes are backed up) stdin. It reads and decodes frames and hands
/// each message to the receiver directly. Writers write inline, without a thread hop; only
/// when the pipe is full does the rest queue for the I/O thread, and only up to
/// ``maximumPendingBytes``: a server that stops reading its stdin fails further writes rather
/// than growing memory without bound. Nothing ever sleeps or polls on a timer: every wait is
/// on a descriptor or on a shutdown deadline.
package final class ProcessChannel: TaskExecutor, Sendable {
    package struct Descriptors: Sendable {
        var stdinWrite: Int32
        var stdoutRead: Int32
        var stderrRead: Int32
        var pid: Int32
        /// -1 when the kernel offers no pidfd; stdout closing then stands for exit.
        var pidfd: Int32

        package init(stdinWrite: Int32, stdoutRead: Int32, stderrRead: Int32, pid: Int32, pidfd: Int32) {
            self.stdinWrite = stdinWrite
            self.stdoutRead = stdoutRead
            self.stderrRead = stderrRead
            self.pid = pid
            self.pidfd = pidfd
        }
    }

    private struct WriteState {
        var pending: [UInt8] = []
        var pendingOffset = 0
        var stdinClosed = false
        var closeRequested = false
        var failure: TransportError?

        var pendingBytes: Int { pending.count - pendingOffset }
    }

    private let fds: Descriptors
    /// The wake-up `eventfd`, `nil` once the I/O thread has closed it: a late ``wake()`` must
    /// not write into whatever file reuses the number.
    private let wakeDescriptor: Mutex<Int32?>
    private let inbound: any TransportInbound
    private let stderr: StderrCapture
    private let timings: ShutdownSequence.Timings
    private let maximumFrameBytes: Int
    /// How many bytes may wait for a server that is not reading, beyond what its pipe holds.
    let maximumPendingBytes: Int
    private let writeState = Mutex(WriteState())
    /// Jobs of tasks that prefer this connection's thread (see ``TaskExecutor`` below), and
    /// whether the thread has ended (then jobs go to the global executor instead).
    private let jobs = Mutex<(queue: [UnownedJob], forwarding: Bool)>(([], false))
    private let ioThread = Mutex<pthread_t?>(nil)
    private let finished: Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)> = Mutex((false, nil))

    package convenience init(
        descriptors: Descriptors,
        inbound: any TransportInbound,
        timings: ShutdownSequence.Timings,
        maximumFrameBytes: Int = 64 << 20,
        maximumPendingBytes: Int = 16 << 20
    ) throws(TransportError) {
        try self.init(
            descriptors: descriptors,
            inbound: inbound,
            stderr: StderrCapture(handler: nil),
            timings: timings,
            maximumFrameBytes: maximumFrameBytes,
            maximumPendingBytes: maximumPendingBytes
        )
    }

    init(
        descriptors: Descriptors,
        inbound: any TransportInbound,
        stderr: StderrCapture,
        timings: ShutdownSequence.Timings,
        maximumFrameBytes: Int,
        maximumPendingBytes: Int
    ) throws(TransportError) {
        self.fds = descriptors
        self.inbound = inbound
        self.stderr = stderr
        self.timings = timings
        self.maximumFrameBytes = maximumFrameBytes
        self.maximumPendingBytes = maximumPendingBytes
        let wake = switchboard_eventfd()
        guard wake >= 0 else { throw TransportError(.spawnFailed, "eventfd failed: \(errnoDescription(errno))") }
        self.wakeDescriptor = Mutex(wake)
        for fd in [descriptors.stdinWrite, descriptors.stdoutRead, descriptors.stderrRead] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    /// Starts the I/O thread.
    package func start(name: String) throws(TransportError) {
        try startThread(name: name) { [self] in
            self.run()
        }
    }

    /// Waits until the I/O thread has finished: the process exited and its output was drained.
    package func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = finished.withLock { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Writes one frame (which must end in a newline). Frames are never interleaved.
    ///
    /// - Throws: a ``TransportError`` whose ``TransportError/messageNotSent`` says whether any
    ///   of the frame left: nothing did when the channel is closing or has failed, or when the
    ///   server has stopped reading and ``maximumPendingBytes`` already wait.
    package func write(_ frame: [UInt8]) throws(TransportError) {
        let result: TransportError? = writeState.withLock { state in
            if var failure = state.failure {
                failure.messageNotSent = true
                return failure
            }
            if state.stdinClosed || state.closeRequested {
                return TransportError(.closed, "the server's stdin is closed", messageNotSent: true)
            }
            if state.pendingBytes > 0 {
                guard state.pendingBytes + frame.count <= maximumPendingBytes else {
                    return TransportError(
                        .writeFailed,
                        "the server is not reading its input: \(state.pendingBytes) bytes already wait to be written (the limit is \(maximumPendingBytes))",
                        messageNotSent: true
                    )
                }
                state.pending.append(contentsOf: frame)
                return nil
            }
            var offset = 0
            while offset < frame.count {
                let written = frame.withUnsafeBytes { raw in
                    Glibc.write(fds.stdinWrite, raw.baseAddress! + offset, raw.count - offset)
                }
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    state.pending.removeAll(keepingCapacity: true)
                    state.pendingOffset = 0
                    state.pending.append(contentsOf: frame[offset...])
                    wake()
                    return nil
                } else {
                    let reason = written < 0 ? errnoDescription(errno) : "no progress"
                    let failure = TransportError(.writeFailed, "writing to the server's stdin failed: \(reason)")
                    state.failure = failure
                    // Part of a frame may have been read by the server; none of it, certainly not.
                    var reported = failure
                    reported.messageNotSent = offset == 0
                    return reported
                }
            }
            return nil
        }
        if let result { throw result }
    }

    /// Begins the shutdown sequence: close stdin, then SIGTERM, then SIGKILL.
    package func requestClose() {
        writeState.withLock { $0.closeRequested = true }
        wake()
    }

    /// Wakes the I/O thread, unless it has already ended (and closed the descriptor).
    private func wake() {
        wakeDescriptor.withLock { descriptor in
            guard let descriptor else { return }
            var one: UInt64 = 1
            _ = Glibc.write(descriptor, &one, 8)
        }
    }

    // MARK: - The I/O thread

    private func run() {
        ioThread.withLock { $0 = pthread_self() }
        let wakeFD = wakeDescriptor.withLock { $0 }!
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var stdoutFramer = LineFramer(maximumFrameBytes: maximumFrameBytes)
        var stderrFramer = LineFramer(maximumFrameBytes: 64 * 1024)
        var stdoutOpen = true
        var stderrOpen = true
        var shutdown = ShutdownSequence(timings: timings)

        func readAvailable(_ fd: Int32, isStdout: Bool) -> Bool {
            // Returns false at end of file.
            while true {
                let count = chunk.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress!, raw.count) }
                if count > 0 {
                    chunk.withUnsafeBufferPointer { all in
                        let data = UnsafeBufferPointer(rebasing: all[0..<count])
                        if isStdout {
                            stdoutFramer.consume(data) { frame in
                                switch frame {
                                case .line(let line): inbound.deliverFrame(line)
                                case .tooLarge(let size):
                                    inbound.receiveMalformed(
                                        TransportError(
                                            .messageTooLarge,
                                            "a message of \(size) bytes exceeds the \(maximumFrameBytes)-byte limit and was dropped"
                                        )
                                    )
                                }
                            }
                        } else {
                            stderrFramer.consume(data) { frame in
                                if case .line(let line) = frame { stderr.append(String(decoding: line, as: UTF8.self)) }
                            }
                        }
                    }
                    if count < chunk.count { return true }
                } else if count == 0 {
                    return false
                } else if errno == EINTR {
                    continue
                } else {
                    return errno == EAGAIN || errno == EWOULDBLOCK
                }
            }
        }

        func flushPending() {
            writeState.withLock { state in
                while state.pendingBytes > 0 && !state.stdinClosed {
                    let written = state.pending.withUnsafeBytes { raw in
                        Glibc.write(fds.stdinWrite, raw.baseAddress! + state.pendingOffset, raw.count - state.pendingOffset)
                    }
                    if written > 0 {
                        state.pendingOffset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                        return
                    } else {
                        state.failure = TransportError(.writeFailed, "writing to the server's stdin failed")
                        state.pending.removeAll()
                        state.pendingOffset = 0
                        return
                    }
                }
                state.pending.removeAll(keepingCapacity: false)
                state.pendingOffset = 0
            }
        }

        func closeStdin() {
            writeState.withLock { state in
                if !state.stdinClosed {
                    state.stdinClosed = true
                    state.pending.removeAll()
                    state.pendingOffset = 0
                    Glibc.close(fds.stdinWrite)
                }
            }
        }

        func perform(_ action: ShutdownSequence.Action) {
            switch action {
            case .none, .finish: break
            case .closeStdin:
                flushPending()
                closeStdin()
            case .signal(.terminate): kill(fds.pid, SIGTERM)
            case .signal(.kill): kill(fds.pid, SIGKILL)
            }
        }

        var pollfds: [pollfd] = []
        pollfds.reserveCapacity(5)
        while shutdown.step != .finished {
            // Jobs resumed while reading (a caller waiting for the response just read) run here,
            // on this thread, before it sleeps again: no other thread has to be woken for them.
            runJobs()
            pollfds.removeAll(keepingCapacity: true)
            if stdoutOpen { pollfds.append(pollfd(fd: fds.stdoutRead, events: Int16(POLLIN), revents: 0)) }
            if stderrOpen { pollfds.append(pollfd(fd: fds.stderrRead, events: Int16(POLLIN), revents: 0)) }
            pollfds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
            let wantsWrite = writeState.withLock { $0.pendingBytes > 0 && !$0.stdinClosed }
            if wantsWrite { pollfds.append(pollfd(fd: fds.stdinWrite, events: Int16(POLLOUT), revents: 0)) }
            if fds.pidfd >= 0 { pollfds.append(pollfd(fd: fds.pidfd, events: Int16(POLLIN), revents: 0)) }

            var timeout: Int32 = -1
            if let deadline = shutdown.deadline {
                let remaining = ContinuousClock.now.duration(to: deadline)
                let ms = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                timeout = Int32(clamping: max(0, ms + 1))
            }
            let ready = poll(&pollfds, nfds_t(pollfds.count), timeout)
            if ready < 0 && errno != EINTR { break }

            for entry in pollfds where entry.revents != 0 {
                switch entry.fd {
                case fds.stdoutRead:
                    if !readAvailable(fds.stdoutRead, isStdout: true) {
                        stdoutOpen = false
                        // The server closed its output: the connection is over. Stop it cleanly.
                        perform(shutdown.closeRequested(now: .now))
                    }
                case fds.stderrRead:
                    if !readAvailable(fds.stderrRead, isStdout: false) { stderrOpen = false }
                case wakeFD:
                    var value: UInt64 = 0
                    _ = Glibc.read(wakeFD, &value, 8)
                    if writeState.withLock({ $0.closeRequested }) { perform(shutdown.closeRequested(now: .now)) }
                case fds.stdinWrite:
                    if entry.revents & Int16(POLLOUT) != 0 { flushPending() } else { closeStdin() }
                case fds.pidfd:
                    perform(shutdown.processExited())
                default:
                    break
                }
            }
            // Without a pidfd, both outputs ending stands for the exit.
            if fds.pidfd < 0 && !stdoutOpen && !stderrOpen { perform(shutdown.processExited()) }
            perform(shutdown.deadlinePassed(now: .now))
        }

        // Take what is already in the pipes, but do not wait for an end of file that a
        // grandchild holding the pipe open might never send.
        if stdoutOpen { _ = readAvailable(fds.stdoutRead, isStdout: true) }
        if stderrOpen { _ = readAvailable(fds.stderrRead, isStdout: false) }
        closeStdin()
        Glibc.close(fds.stdoutRead)
        Glibc.close(fds.stderrRead)
        wakeDescriptor.withLock { descriptor in
            if let open = descriptor { Glibc.close(open) }
            descriptor = nil
        }
        writeState.withLock { state in
            if state.failure == nil { state.failure = TransportError(.closed, "the server process has exited") }
        }
        // From now on, jobs of tasks that preferred this thread run on the global executor.
        let leftover = jobs.withLock { state -> [UnownedJob] in
            state.forwarding = true
            defer { state.queue.removeAll() }
            return state.queue
        }
        for job in leftover { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        let waiter = finished.withLock { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

// MARK: - Running tasks on the connection's thread

extension ProcessChannel {
    /// A task that prefers this executor (`withTaskExecutorPreference`) runs on the connection's
    /// I/O thread. Its requests are then written and its responses handled on one thread, so a
    /// sequential round trip wakes one thread instead of two. Jobs enqueued from the I/O thread
    /// itself need no wake-up; from elsewhere, the `eventfd` wakes it.
    package func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let forward = jobs.withLock { state -> Bool in
            if state.forwarding { return true }
            state.queue.append(unowned)
            return false
        }
        if forward {
            globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
            return
        }
        let onIOThread = ioThread.withLock { thread in thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
        if !onIOThread { wake() }
    }

    package func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Runs queued jobs until none are left (a job may enqueue more).
    fileprivate func runJobs() {
        while true {
            let batch = jobs.withLock { state -> [UnownedJob] in
                defer { state.queue.removeAll(keepingCapacity: true) }
                return state.queue
            }
            if batch.isEmpty { return }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
