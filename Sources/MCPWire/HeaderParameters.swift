public import JSONCore

/// The `x-mcp-header` rules of Streamable HTTP (2026-07-28): which tool arguments are
/// mirrored into `Mcp-Param-*` headers, and how header values are encoded.
public enum HeaderParameters {
    /// Why a tool's `x-mcp-header` annotations make the tool unusable over HTTP.
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The annotated parameters of an input schema: each header name with the path of
    /// `properties` keys that leads to its value.
    ///
    /// - Throws: ``Violation`` when an annotation breaks a rule (empty or non-token name,
    ///   duplicate, non-primitive or `number` type, or reachable other than through
    ///   `properties`). The client must then leave the tool out of `tools/list`.
    public static func extract(from schema: JSONObject) throws(Violation) -> [(header: String, path: [String])] {
        var found: [(header: String, path: [String])] = []
        try walk(schema, path: [], statically: true, into: &found)
        var seen = Set<String>()
        for (header, _) in found {
            guard seen.insert(header.lowercased()).inserted else {
                throw Violation(reason: "x-mcp-header '\(header)' is used more than once")
            }
        }
        return found
    }

    private static func walk(
        _ schema: JSONObject,
        path: [String],
        statically: Bool,
        into found: inout [(header: String, path: [String])]
    ) throws(Violation) {
        if let value = schema["x-mcp-header"] {
            guard statically, !path.isEmpty else {
                throw Violation(reason: "x-mcp-header must sit on a property reachable only through 'properties'")
            }
            guard case .string(let name) = value, !name.isEmpty, name.utf8.allSatisfy(isTokenCharacter) else {
                throw Violation(reason: "x-mcp-header value must be a non-empty HTTP token")
            }
            let type = schema.string("type")
            guard type == "string" || type == "integer" || type == "boolean" else {
                throw Violation(reason: "x-mcp-header '\(name)' must be on a string, integer or boolean property")
            }
            found.append((name, path))
        }
        for (key, value) in schema {
            switch (key, value) {
            case ("properties", .object(let properties)):
                for (name, sub) in properties {
                    if case .object(let subschema) = sub {
                        try walk(subschema, path: path + [name], statically: statically, into: &found)
                    }
                }
            case (_, .object(let sub)) where key != "x-mcp-header":
                try walk(sub, path: path + ["\u{0}" + key], statically: false, into: &found)
            case (_, .array(let elements)):
                for element in elements {
                    if case .object(let sub) = element {
                        try walk(sub, path: path + ["\u{0}" + key], statically: false, into: &found)
                    }
                }
            default:
                break
            }
        }
    }

    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// The header value for an argument, or `nil` when the argument is absent or null.
    public static func headerValue(for arguments: JSONObject?, path: [String]) -> String? {
        var current: JSONValue = .object(arguments ?? [:])
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        switch current {
        case .string(let s): return encode(s)
        case .int(let i): return String(i)
        case .double(let d) where d.rounded() == d && abs(d) < 9_007_199_254_740_992: return String(Int(d))
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// Encodes a header value: as it is when it is plain visible ASCII with no surrounding
    /// spaces, otherwise as `=?base64?...?=` of its UTF-8 bytes.
    public static func encode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        let plain =
            bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || (0x21...0x7E).contains($0) }
            && bytes.first != 0x20 && bytes.last != 0x20 && bytes.first != 0x09 && bytes.last != 0x09
            && !(value.hasPrefix("=?base64?") && value.hasSuffix("?="))
        return plain ? value : "=?base64?" + Base64.encode(bytes) + "?="
    }

    /// Decodes a header value written by ``encode(_:)``; `nil` if the base64 is invalid.
    public static func decode(_ header: String) -> String? {
        guard header.hasPrefix("=?base64?"), header.hasSuffix("?="), header.count >= 11 else { return header }
        let inner = header.dropFirst(9).dropLast(2)
        guard let bytes = Base64.decode(String(inner)) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Standard base64 (RFC 4648, with padding), for header values and binary content.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < input.count {
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = input.count - index
        if rest == 1 {
            let n = UInt32(input[index]) << 16
            output += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: output, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(value))
        }
        guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var n: UInt32 = 0
            for (offset, value) in chunk.enumerated() { n |= UInt32(value) << (18 - 6 * offset) }
            output.append(UInt8(n >> 16 & 0xFF))
            if chunk.count > 2 { output.append(UInt8(n >> 8 & 0xFF)) }
            if chunk.count > 3 { output.append(UInt8(n & 0xFF)) }
            index += 4
        }
        return output
    }
}
