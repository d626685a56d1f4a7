/// How ``JSONValue`` is written out.
public struct JSONWriteOptions: Sendable, Hashable {
    /// Sort object members by name. Used where the text must not depend on the order in
    /// which members were inserted, such as cache keys.
    public var sortedKeys: Bool
    /// Indent nested values by two spaces per level, for people to read.
    public var pretty: Bool

    public init(sortedKeys: Bool = false, pretty: Bool = false) {
        self.sortedKeys = sortedKeys
        self.pretty = pretty
    }

    /// Compact, in insertion order: the wire form.
    public static let compact = JSONWriteOptions()
    /// Sorted and compact: one text for one value, whatever the member order.
    public static let canonical = JSONWriteOptions(sortedKeys: true)
    /// Indented, in insertion order.
    public static let prettyPrinted = JSONWriteOptions(pretty: true)
}

extension JSONValue {
    /// Appends the JSON text of this value to `bytes`.
    ///
    /// Non-finite doubles, which JSON cannot express, are written as `null`. The output never
    /// contains a raw newline unless `options.pretty` is set, so it can be framed by newlines.
    public func write(into bytes: inout [UInt8], options: JSONWriteOptions = .compact) {
        JSONWriter.write(self, into: &bytes, options: options, indent: 0)
    }

    /// The JSON text of this value as bytes.
    public func serialized(options: JSONWriteOptions = .compact) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        write(into: &bytes, options: options)
        return bytes
    }

    /// The JSON text of this value as a string.
    public func serializedString(options: JSONWriteOptions = .compact) -> String {
        String(decoding: serialized(options: options), as: UTF8.self)
    }
}

/// Writes JSON text. Kept apart from ``JSONValue`` so the envelope writer in higher layers can
/// reuse its pieces (strings, numbers) without building intermediate values.
public enum JSONWriter {
    /// Writes one value.
    public static func write(_ value: JSONValue, into bytes: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        switch value {
        case .null: append("null", to: &bytes)
        case .bool(let b): append(b ? "true" : "false", to: &bytes)
        case .int(let i): writeInt(i, into: &bytes)
        case .double(let d): writeDouble(d, into: &bytes)
        case .string(let s): writeString(s, into: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            if elements.isEmpty {
                bytes.append(UInt8(ascii: "]"))
                return
            }
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                if options.pretty { newline(indent + 1, into: &bytes) }
                write(element, into: &bytes, options: options, indent: indent + 1)
            }
            if options.pretty { newline(indent, into: &bytes) }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            writeObject(object, into: &bytes, options: options, indent: indent)
        }
    }

    /// Writes one object.
    public static func writeObject(
        _ object: JSONObject,
        into bytes: inout [UInt8],
        options: JSONWriteOptions,
        indent: Int = 0
    ) {
        bytes.append(UInt8(ascii: "{"))
        if object.isEmpty {
            bytes.append(UInt8(ascii: "}"))
            return
        }
        var first = true
        func member(_ key: String, _ value: JSONValue) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            if options.pretty { newline(indent + 1, into: &bytes) }
            writeString(key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            if options.pretty { bytes.append(UInt8(ascii: " ")) }
            write(value, into: &bytes, options: options, indent: indent + 1)
        }
        if options.sortedKeys {
            for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                member(key, object[key]!)
            }
        } else {
            for (key, value) in object { member(key, value) }
        }
        if options.pretty { newline(indent, into: &bytes) }
        bytes.append(UInt8(ascii: "}"))
    }

    @inline(__always)
    static func newline(_ indent: Int, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * 2) { bytes.append(UInt8(ascii: " ")) }
    }

    /// Appends ASCII text as it is.
    @inline(__always)
    public static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Writes an integer in decimal.
    public static func writeInt(_ value: Int, into bytes: inout [UInt8]) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: raw[(24 - count)...])
        }
    }

    /// Writes a double in the shortest form that reads back as the same value.
    public static func writeDouble(_ value: Double, into bytes: inout [UInt8]) {
        guard value.isFinite else {
            append("null", to: &bytes)
            return
        }
        // Swift's description is the shortest round-tripping form, and every form it
        // produces for finite values ("1.5", "1e-05", "1e+20") is valid JSON.
        bytes.append(contentsOf: value.description.utf8)
    }

    /// Writes a string with the escapes JSON requires and no others.
    public static func writeString(_ string: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"", to: &bytes)
                case UInt8(ascii: "\\"): append("\\\\", to: &bytes)
                case 0x0A: append("\\n", to: &bytes)
                case 0x0D: append("\\r", to: &bytes)
                case 0x09: append("\\t", to: &bytes)
                case 0x08: append("\\b", to: &bytes)
                case 0x0C: append("\\f", to: &bytes)
                default:
                    append("\\u00", to: &bytes)
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
