import MCPTransport
import Testing

/// The stdio line framer: the same frames however the bytes are split.
@Suite("Line framer")
struct LineFramerTests {
    /// The frames of `bytes` fed `chunk` bytes at a time, as text, with "<too large>" markers.
    func frames(_ bytes: [UInt8], chunk: Int, limit: Int = 8) -> [String] {
        var framer = LineFramer(maximumFrameBytes: limit)
        var frames: [String] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            bytes[start..<end].withUnsafeBufferPointer { piece in
                framer.consume(piece) { frame in
                    switch frame {
                    case .line(let line): frames.append(String(decoding: line, as: UTF8.self))
                    case .tooLarge: frames.append("<too large>")
                    }
                }
            }
            start = end
        }
        return frames
    }

    @Test("a line at the limit with a CRLF ending is kept whether it comes whole or in pieces (a fuzzing finding)")
    func limitWithCarriageReturn() {
        let bytes = Array("12345678\r\nabc\n123456789\r\nend\n".utf8)
        let whole = frames(bytes, chunk: bytes.count)
        #expect(whole == ["12345678", "abc", "<too large>", "end"])
        for chunk in 1...bytes.count {
            #expect(frames(bytes, chunk: chunk) == whole, "chunks of \(chunk)")
        }
    }

    @Test("empty lines are skipped, and a line without its newline waits for it")
    func partialLines() {
        #expect(frames(Array("\n\r\nab\ncd".utf8), chunk: 2) == ["ab"])
    }
}
