import MCPTransport
import Testing

@Suite("SSE parser")
struct SSEParserTests {
    func parse(_ chunks: [String]) -> [SSEEvent] {
        var parser = SSEParser()
        return chunks.flatMap { parser.feed(Array($0.utf8)) }
    }

    @Test("a simple event, with and without a type")
    func simple() {
        #expect(parse(["data: hello\n\n"]) == [SSEEvent(data: "hello")])
        #expect(parse(["event: endpoint\ndata: /messages?x=1\n\n"]) == [SSEEvent(type: "endpoint", data: "/messages?x=1")])
    }

    @Test("multi-line data joins with newlines; a missing space after the colon is fine")
    func multiline() {
        #expect(parse(["data: one\ndata:two\ndata:  three\n\n"]) == [SSEEvent(data: "one\ntwo\n three")])
    }

    @Test("comments are ignored, including keep-alives between events")
    func comments() {
        #expect(parse([": keep-alive\n\n", "data: a\n: in the middle\ndata: b\n\n", ":\n"]) == [SSEEvent(data: "a\nb")])
    }

    @Test("id and retry are recorded; retry must be digits")
    func idAndRetry() {
        var parser = SSEParser()
        let events = parser.feed(Array("id: 41\nretry: 2500\ndata: x\n\nretry: soon\nid: 42\ndata: y\n\n".utf8))
        #expect(events == [SSEEvent(data: "x", id: "41", retry: 2500), SSEEvent(data: "y", id: "42")])
        #expect(parser.lastEventID == "42")
        #expect(parser.reconnectionDelay == 2500)
    }

    @Test("an event split across chunks at every byte is the same event")
    func splitEverywhere() {
        let text = "event: message\r\ndata: {\"jsonrpc\":\"2.0\"}\r\nid: 7\r\n\r\n"
        let whole = parse([text])
        #expect(whole == [SSEEvent(data: #"{"jsonrpc":"2.0"}"#, id: "7")])
        for split in 1..<text.utf8.count {
            let bytes = Array(text.utf8)
            var parser = SSEParser()
            let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(events == whole, "split at \(split)")
        }
    }

    @Test("CR, LF and CRLF all end lines, even a CRLF split across chunks")
    func lineEndings() {
        #expect(parse(["data: a\rdata: b\r\r"]) == [SSEEvent(data: "a\nb")])
        #expect(parse(["data: a\r", "\ndata: b\r\n\r\n"]) == [SSEEvent(data: "a\nb")])
    }

    @Test("an unterminated event at the end of the stream is not dispatched")
    func unterminated() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: partial".utf8)).isEmpty)
        parser.finish()
        #expect(parser.feed(Array("\n\n".utf8)).isEmpty)
    }

    @Test("a byte-order mark at the start is skipped, and unknown fields are ignored")
    func bomAndUnknown() {
        #expect(parse(["\u{FEFF}data: x\nfoo: bar\n\n"]) == [SSEEvent(data: "x")])
    }

    @Test("an event with no data is not dispatched, but its id counts")
    func noData() {
        var parser = SSEParser()
        #expect(parser.feed(Array("id: 9\n\n".utf8)).isEmpty)
        #expect(parser.lastEventID == "9")
    }
}
