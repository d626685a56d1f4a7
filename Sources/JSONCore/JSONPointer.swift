/// JSON Pointer (RFC 6901) tokens, and the percent-decoding of their URI-fragment form.
public enum JSONPointer {
    /// Escapes one reference token: `~` becomes `~0` and `/` becomes `~1`.
    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        var out = ""
        for ch in token {
            switch ch {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Unescapes one reference token (`~1` is `/`, `~0` is `~`).
    public static func unescape<S: StringProtocol>(_ token: S) -> String {
        guard token.contains("~") else { return String(token) }
        var out = ""
        var iterator = token.makeIterator()
        while let ch = iterator.next() {
            guard ch == "~" else {
                out.append(ch)
                continue
            }
            switch iterator.next() {
            case "0": out.append("~")
            case "1": out.append("/")
            case let other?:
                out.append("~")
                out.append(other)
            case nil: out.append("~")
            }
        }
        return out
    }

    /// Decodes `%XX` escapes (as in a pointer written as a URI fragment); invalid escapes
    /// are kept as they are.
    public static func percentDecode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
