/// Why a JSON text could not be read, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset at which reading stopped.
    public var offset: Int
    /// What was wrong there.
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Reads one JSON document from UTF-8 bytes.
    ///
    /// The whole input must be one value, optionally surrounded by white space. Nesting
    /// deeper than `maximumDepth` is refused so that hostile input cannot exhaust the stack.
    public init(parsing bytes: some Collection<UInt8>, maximumDepth: Int = 512) throws(JSONParseError) {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try JSONValue.parse(buffer, maximumDepth: maximumDepth) }
        }
        if let result {
            self = try result.get()
        } else {
            let array = Array(bytes)
            let result = array.withUnsafeBufferPointer { buffer in
                Result { () throws(JSONParseError) in try JSONValue.parse(buffer, maximumDepth: maximumDepth) }
            }
            self = try result.get()
        }
    }

    /// Reads one JSON document from a string.
    public init(parsing text: String, maximumDepth: Int = 512) throws(JSONParseError) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try JSONValue.parse(buffer, maximumDepth: maximumDepth) }
        }
        self = try result.get()
    }

    /// Reads one JSON document from a buffer of UTF-8 bytes.
    public static func parse(
        _ buffer: UnsafeBufferPointer<UInt8>,
        maximumDepth: Int = 512
    ) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(buffer: buffer, maximumDepth: maximumDepth, observer: IgnoringObserver())
        return try reader.readDocument()
    }

    /// Reads one JSON document and where each value in it is: for configuration files, whose
    /// errors should name a line. Duplicate member names are noted rather than lost silently.
    public static func parseWithSourceMap(_ text: String, maximumDepth: Int = 512) throws(JSONParseError) -> (JSONValue, JSONSourceMap) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) -> (JSONValue, JSONSourceMap) in
                var reader = JSONReader(buffer: buffer, maximumDepth: maximumDepth, observer: SourceMapObserver())
                let value = try reader.readDocument()
                return (value, JSONSourceMap(buffer, observer: reader.observer))
            }
        }
        return try result.get()
    }
}

/// Where the values of a JSON document are, by JSON Pointer, as lines and columns (from 1).
public struct JSONSourceMap: Sendable {
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }

        public var description: String { "line \(line), column \(column)" }
    }

    /// A member name given twice in one object: the pointer and where the second one is.
    public struct Duplicate: Sendable, Hashable {
        public var pointer: String
        public var location: Location

        public init(pointer: String, location: Location) {
            self.pointer = pointer
            self.location = location
        }
    }

    private let offsets: [String: Int]
    private let lineStarts: [Int]
    public let duplicates: [Duplicate]

    init(_ buffer: UnsafeBufferPointer<UInt8>, observer: SourceMapObserver) {
        var starts = [0]
        for (index, byte) in buffer.enumerated() where byte == 0x0A { starts.append(index + 1) }
        lineStarts = starts
        offsets = observer.offsets
        duplicates = observer.duplicates.map { Duplicate(pointer: $0.pointer, location: Self.location(of: $0.offset, in: starts)) }
    }

    /// Where the value at `pointer` is (for an object member, where its name is).
    public func location(of pointer: String) -> Location? {
        offsets[pointer].map { Self.location(of: $0, in: lineStarts) }
    }

    /// Where the byte at `offset` is.
    public func location(ofOffset offset: Int) -> Location { Self.location(of: offset, in: lineStarts) }

    /// Where the byte at `offset` of `text` is (for a parse error, which comes without a map).
    public static func location(ofOffset offset: Int, in text: String) -> Location {
        var starts = [0]
        for (index, byte) in text.utf8.enumerated() where byte == 0x0A { starts.append(index + 1) }
        return location(of: offset, in: starts)
    }

    static func location(of offset: Int, in starts: [Int]) -> Location {
        // The last line start at or before the offset.
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return Location(line: low + 1, column: offset - starts[low] + 1)
    }
}

/// What the reader tells as it goes; the hot path's observer does nothing and is specialized away.
@usableFromInline
protocol JSONReadObserver {
    /// Whether member names must be checked for repeats (costs a lookup per member).
    static var notesDuplicates: Bool { get }
    mutating func enter(_ token: String, at offset: Int, duplicate: Bool)
    mutating func enterElement(_ index: Int, at offset: Int)
    mutating func leave()
}

@usableFromInline
struct IgnoringObserver: JSONReadObserver {
    @usableFromInline static var notesDuplicates: Bool { false }
    @inline(__always) @usableFromInline mutating func enter(_ token: String, at offset: Int, duplicate: Bool) {}
    @inline(__always) @usableFromInline mutating func enterElement(_ index: Int, at offset: Int) {}
    @inline(__always) @usableFromInline mutating func leave() {}
}

/// Records the offset of every value by JSON Pointer.
struct SourceMapObserver: JSONReadObserver {
    static var notesDuplicates: Bool { true }
    var path: [String] = []
    var offsets: [String: Int] = ["": 0]
    var duplicates: [(pointer: String, offset: Int)] = []

    mutating func enter(_ token: String, at offset: Int, duplicate: Bool) {
        path.append(JSONPointer.escape(token))
        let pointer = "/" + path.joined(separator: "/")
        if duplicate { duplicates.append((pointer, offset)) } else { offsets[pointer] = offset }
    }

    mutating func enterElement(_ index: Int, at offset: Int) { enter(String(index), at: offset, duplicate: false) }

    mutating func leave() { path.removeLast() }
}

/// A single-pass reader over UTF-8 bytes. Strings without escapes are copied once,
/// straight from the input.
@usableFromInline
struct JSONReader<Observer: JSONReadObserver> {
    let buffer: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var position = 0
    var observer: Observer

    init(buffer: UnsafeBufferPointer<UInt8>, maximumDepth: Int, observer: Observer) {
        self.buffer = buffer
        self.maximumDepth = maximumDepth
        self.observer = observer
    }

    /// The whole input as one value, with nothing but white space around it.
    mutating func readDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try readValue(depth: 0)
        skipWhitespace()
        guard position == buffer.count else {
            throw JSONParseError(offset: position, reason: "unexpected data after the value")
        }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    func fail(_ reason: String) -> JSONParseError {
        JSONParseError(offset: position, reason: reason)
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < buffer.count else { throw fail("unexpected end of input") }
        switch buffer[position] {
        case UInt8(ascii: "{"): return .object(try readObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try readArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try readNumber()
        default:
            throw fail("unexpected character '\(Unicode.Scalar(buffer[position]))'")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= buffer.count else { throw fail("unexpected end of input") }
        let start = literal.utf8Start
        for i in 0..<count where buffer[position + i] != start[i] {
            throw fail("invalid literal")
        }
        position += count
    }

    mutating func readObject(depth: Int) throws(JSONParseError) -> JSONObject {
        guard depth <= maximumDepth else { throw fail("nesting deeper than \(maximumDepth)") }
        position += 1  // {
        // Most protocol objects have a handful of members: room for them up front saves the
        // reallocations of growing one member at a time.
        var object = JSONObject(minimumCapacity: 6)
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "}") {
            position += 1
            return object
        }
        while true {
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else {
                throw fail("expected a member name")
            }
            let keyOffset = position
            let key = try readString()
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else {
                throw fail("expected ':' after a member name")
            }
            position += 1
            skipWhitespace()
            observer.enter(key, at: keyOffset, duplicate: Observer.notesDuplicates && object[key] != nil)
            let value = try readValue(depth: depth)
            observer.leave()
            // Duplicate names: the last one wins, as in most JSON readers.
            object[key] = value
            skipWhitespace()
            guard position < buffer.count else { throw fail("unexpected end of input in an object") }
            switch buffer[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return object
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    mutating func readArray(depth: Int) throws(JSONParseError) -> [JSONValue] {
        guard depth <= maximumDepth else { throw fail("nesting deeper than \(maximumDepth)") }
        position += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "]") {
            position += 1
            return array
        }
        while true {
            skipWhitespace()
            observer.enterElement(array.count, at: position)
            array.append(try readValue(depth: depth))
            observer.leave()
            skipWhitespace()
            guard position < buffer.count else { throw fail("unexpected end of input in an array") }
            switch buffer[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return array
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    mutating func readString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes, copy the bytes as they are.
        while position < buffer.count {
            let byte = buffer[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<position])
                position += 1
                return try makeString(slice, at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in a string") }
            position += 1
        }
        guard position < buffer.count else { throw fail("unterminated string") }
        var bytes = [UInt8](UnsafeBufferPointer(rebasing: buffer[start..<position]))
        while position < buffer.count {
            let byte = buffer[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> String in try makeString(buffer, at: start) }
            case UInt8(ascii: "\\"):
                position += 1
                guard position < buffer.count else { throw fail("unterminated escape") }
                let escaped = buffer[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try readUnicodeEscape()
                    appendUTF8(scalar, to: &bytes)
                default:
                    position -= 1
                    throw fail("invalid escape")
                }
            default:
                if byte < 0x20 { throw fail("control character in a string") }
                bytes.append(byte)
                position += 1
            }
        }
        throw fail("unterminated string")
    }

    func makeString(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONParseError) -> String {
        // Validate UTF-8 rather than silently replacing bad bytes. `String(validating:as:)` is
        // generic and unspecialized: it instantiated metadata on every string, a tenth of a
        // tools/call's time. `String(decoding:)` is specialized and validates as it copies,
        // replacing what is invalid; an unchanged byte count with no replacement character
        // where the input had none proves the bytes were valid.
        let string = String(decoding: bytes, as: UTF8.self)
        if string.utf8.count == bytes.count && (Self.isASCII(bytes) || string.utf8.elementsEqual(bytes)) { return string }
        throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
    }

    /// Whether every byte is below 0x80, eight at a time.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
        var index = 0
        var high: UInt64 = 0
        while index + 8 <= bytes.count {
            high |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            high |= UInt64(bytes[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= buffer.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = buffer[position]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    mutating func readUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try readHex4()
        if (0xD800...0xDBFF).contains(first) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard position + 2 <= buffer.count, buffer[position] == UInt8(ascii: "\\"),
                buffer[position + 1] == UInt8(ascii: "u")
            else { throw fail("unpaired surrogate in \\u escape") }
            position += 2
            let second = try readHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw fail("invalid low surrogate") }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            return Unicode.Scalar(combined)!
        }
        guard let scalar = Unicode.Scalar(first) else { throw fail("unpaired surrogate in \\u escape") }
        return scalar
    }

    func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
        for unit in UTF8.encode(scalar)! { bytes.append(unit) }
    }

    mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isInteger = true
        if buffer[position] == UInt8(ascii: "-") { position += 1 }
        guard position < buffer.count else { throw fail("truncated number") }
        if buffer[position] == UInt8(ascii: "0") {
            position += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(buffer[position]) {
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) {
                position += 1
            }
        } else {
            throw fail("invalid number")
        }
        if position < buffer.count, buffer[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            let digitsStart = position
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) {
                position += 1
            }
            guard position > digitsStart else { throw fail("expected digits after '.'") }
        }
        if position < buffer.count, buffer[position] == UInt8(ascii: "e") || buffer[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < buffer.count, buffer[position] == UInt8(ascii: "+") || buffer[position] == UInt8(ascii: "-") {
                position += 1
            }
            let digitsStart = position
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) {
                position += 1
            }
            guard position > digitsStart else { throw fail("expected digits in exponent") }
        }
        let digits = UnsafeBufferPointer(rebasing: buffer[start..<position])
        if isInteger, digits.count <= 18 {
            // At most 18 digits always fit in Int64: accumulate directly.
            var value = 0
            var index = 0
            let negative = digits[0] == UInt8(ascii: "-")
            if negative { index = 1 }
            while index < digits.count {
                value = value &* 10 &+ Int(digits[index] &- UInt8(ascii: "0"))
                index += 1
            }
            return .int(negative ? -value : value)
        }
        let text = String(decoding: digits, as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        guard let value = Double(text) else { throw JSONParseError(offset: start, reason: "invalid number") }
        // A literal beyond a double's range would read as infinity, which JSON cannot write
        // back: it is refused rather than silently changed (found by fuzzing).
        guard value.isFinite else { throw JSONParseError(offset: start, reason: "number out of range") }
        return .double(value)
    }
}
