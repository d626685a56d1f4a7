/// VS Code's `mcp.json` and `settings.json` are "JSON with comments": `//` and `/* */`
/// comments and trailing commas. This blanks them out (keeping every line break, so line
/// numbers stay right) and leaves strict JSON for the parser.
public enum JSONWithComments {
    public static func strip(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var index = 0
        var inString = false
        // Where the last comma outside a string was, while only blanks followed it.
        var pendingComma: Int?
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                pendingComma = nil
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/"):
                while index < bytes.count && bytes[index] != 0x0A {
                    bytes[index] = 0x20
                    index += 1
                }
                continue
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var end = index + 2
                while end + 1 < bytes.count && !(bytes[end] == UInt8(ascii: "*") && bytes[end + 1] == UInt8(ascii: "/")) { end += 1 }
                let stop = min(end + 2, bytes.count)
                for blank in index..<stop where bytes[blank] != 0x0A { bytes[blank] = 0x20 }
                index = stop
                continue
            case UInt8(ascii: ","):
                pendingComma = index
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let comma = pendingComma { bytes[comma] = 0x20 }
                pendingComma = nil
            case 0x20, 0x0A, 0x0D, 0x09:
                break
            default:
                pendingComma = nil
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
