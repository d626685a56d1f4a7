/// One server-sent event.
public struct SSEEvent: Sendable, Hashable {
    /// The `event` field; `message` when absent.
    public var type: String
    /// The `data` lines joined by newlines.
    public var data: String
    /// The `id` field, when the event had one.
    public var id: String?
    /// The `retry` field: how long to wait before reconnecting, in milliseconds.
    public var retry: Int?

    public init(type: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
        self.type = type
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// An incremental parser for the `text/event-stream` format, as the WHATWG HTML standard
/// defines it: any line ending (CR, LF, CRLF, even split across chunks), comments, multi-line
/// data, `id`, `retry`, and a leading byte-order mark.
///
/// Feed it bytes as they arrive; it returns the events completed by those bytes.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var eventID: String?
    private var retry: Int?
    private var lastWasCR = false
    private var atStart = true
    /// The id of the last event that had one, for `Last-Event-ID` on reconnection.
    public private(set) var lastEventID: String?
    /// The most recent `retry` value seen, in milliseconds.
    public private(set) var reconnectionDelay: Int?
    /// The largest line accepted; longer lines are cut, so a hostile stream cannot grow memory forever.
    public let maximumLineBytes: Int

    public init(maximumLineBytes: Int = 64 << 20) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Parses `bytes`, returning the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if atStart {
                atStart = false
                if byte == 0xEF {
                    line.append(byte)
                    continue
                }
            }
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }  // CRLF: the CR already ended the line
            }
            switch byte {
            case UInt8(ascii: "\n"):
                processLine(into: &events)
            case UInt8(ascii: "\r"):
                lastWasCR = true
                processLine(into: &events)
            default:
                if line.count < maximumLineBytes { line.append(byte) }
            }
        }
        return events
    }

    /// Ends the stream. An event not yet terminated by a blank line is discarded, as the standard requires.
    public mutating func finish() {
        line.removeAll()
        resetEvent()
    }

    private mutating func resetEvent() {
        data.removeAll(keepingCapacity: true)
        hasData = false
        eventType = nil
        eventID = nil
        retry = nil
    }

    private mutating func processLine(into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        // A byte-order mark at the very start of the stream is not part of the first field.
        if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // comment (keep-alive)
        let field: [UInt8]
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = Array(line[..<colon])
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { eventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let milliseconds = Int(String(decoding: value, as: UTF8.self))
            {
                retry = milliseconds
                reconnectionDelay = milliseconds
            }
        default:
            break  // unknown fields are ignored
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        if let eventID { lastEventID = eventID }
        guard hasData else {
            resetEvent()
            return
        }
        let eventType = self.eventType.flatMap { $0.isEmpty ? nil : $0 } ?? "message"
        events.append(
            SSEEvent(type: eventType, data: String(decoding: data, as: UTF8.self), id: eventID, retry: retry)
        )
        resetEvent()
    }
}
