/// Splits a byte stream into newline-delimited frames, as the stdio transport requires.
///
/// Complete lines inside a chunk are handed out straight from the chunk; only a line that
/// spans chunks is copied. A trailing `\r` is dropped so CRLF peers work too.
package struct LineFramer {
    private var partial: [UInt8] = []
    private var discarding = false
    package let maximumFrameBytes: Int

    package init(maximumFrameBytes: Int) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    package enum Frame {
        case line(UnsafeBufferPointer<UInt8>)
        case tooLarge(Int)
    }

    /// Passes each complete frame in `chunk` to `body`. Empty lines are skipped.
    ///
    /// A line may be buffered one byte past the limit, for the `\r` of a CRLF peer: the limit
    /// applies to the frame without it, however the bytes were split into chunks (fuzzing
    /// found a 256-byte line with its `\r` accepted whole but refused when it came in pieces).
    package mutating func consume(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Frame) -> Void) {
        var start = 0
        let count = chunk.count
        let bufferLimit = maximumFrameBytes + 1
        while start < count {
            guard let newline = Self.indexOfNewline(chunk, from: start) else {
                let rest = UnsafeBufferPointer(rebasing: chunk[start..<count])
                if discarding { return }
                if partial.count + rest.count > bufferLimit {
                    body(.tooLarge(partial.count + rest.count))
                    partial.removeAll()
                    discarding = true
                } else {
                    partial.append(contentsOf: rest)
                }
                return
            }
            let piece = UnsafeBufferPointer(rebasing: chunk[start..<newline])
            start = newline + 1
            if discarding {
                discarding = false
                continue
            }
            if partial.isEmpty {
                emit(piece, body)
            } else {
                if partial.count + piece.count > bufferLimit {
                    body(.tooLarge(partial.count + piece.count))
                    partial.removeAll()
                    continue
                }
                partial.append(contentsOf: piece)
                partial.withUnsafeBufferPointer { emit($0, body) }
                partial.removeAll(keepingCapacity: partial.capacity <= 1 << 20)
            }
        }
    }

    private func emit(_ line: UnsafeBufferPointer<UInt8>, _ body: (Frame) -> Void) {
        var end = line.count
        if end > 0, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end > 0 else { return }
        if end > maximumFrameBytes {
            body(.tooLarge(end))
            return
        }
        body(.line(UnsafeBufferPointer(rebasing: line[0..<end])))
    }

    private static func indexOfNewline(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
