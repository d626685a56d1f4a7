import MCPWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The server end of stdio: reads requests from this process's stdin and writes to its
/// stdout, one message per line. Nothing else may write to stdout while it runs.
///
/// A thread blocks in `read(2)` on stdin and hands each message to the receiver; end of
/// file (the client closed our stdin) closes the transport, which is the specification's
/// signal to exit.
public final class StdioServerTransport: Transport {
    public var kind: TransportKind { .stdio }
    private let input: Int32
    private let output: Int32
    private let maximumMessageBytes: Int
    private let writeLock = Mutex<Bool>(false)  // true once closed
    private let inbound = Mutex<(any TransportInbound)?>(nil)

    /// - Parameters:
    ///   - input: the descriptor to read; stdin by default.
    ///   - output: the descriptor to write; stdout by default.
    public init(input: Int32 = 0, output: Int32 = 1, maximumMessageBytes: Int = 64 << 20) {
        self.input = input
        self.output = output
        self.maximumMessageBytes = maximumMessageBytes
        signal(SIGPIPE, SIG_IGN)
    }

    public func start(_ inbound: any TransportInbound) async throws(TransportError) {
        self.inbound.withLock { $0 = inbound }
        let input = self.input
        let limit = maximumMessageBytes
        try startThread(name: "mcp-stdin") { [self] in
            var framer = LineFramer(maximumFrameBytes: limit)
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                chunk.withUnsafeBufferPointer { all in
                    framer.consume(UnsafeBufferPointer(rebasing: all[0..<count])) { frame in
                        switch frame {
                        case .line(let line): inbound.deliverFrame(line)
                        case .tooLarge(let size):
                            inbound.receiveMalformed(TransportError(.messageTooLarge, "a message of \(size) bytes was dropped"))
                        }
                    }
                }
            }
            self.finish()
        }
    }

    private func finish() {
        let wasOpen = writeLock.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        let receiver = inbound.withLock { $0 }
        if wasOpen { receiver?.closed(TransportError(.closed, "the client closed stdin")) }
    }

    public func send(_ message: OutboundMessage) async throws(TransportError) {
        var frame: [UInt8] = []
        frame.reserveCapacity(256)
        message.message.encode(into: &frame)
        frame.append(UInt8(ascii: "\n"))
        let failure: TransportError? = writeLock.withLock { closed in
            if closed { return TransportError(.closed, "stdout is closed") }
            var offset = 0
            while offset < frame.count {
                let written = frame.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + offset, $0.count - offset) }
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    closed = true
                    return TransportError(.writeFailed, "writing to stdout failed: \(errnoDescription(errno))")
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    public func close() async {
        let wasOpen = writeLock.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        if wasOpen { inbound.withLock { $0 }?.closed(nil) }
    }
}
