import JSONCore

/// An RFC 6570 URI template, as resource templates use it: `{name}` (one path segment),
/// `{+name}` (reserved: may contain `/`), and `{?a,b}` query forms.
///
/// Matching extracts the variables from a concrete URI; expansion is not needed here.
public struct URITemplate: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case literal(String)
        case variable(String, reserved: Bool)
        case query([String])
    }

    let parts: [Part]
    public let template: String

    public init(_ template: String) {
        self.template = template
        var parts: [Part] = []
        var literal = ""
        var index = template.startIndex
        while index < template.endIndex {
            let ch = template[index]
            if ch == "{", let close = template[index...].firstIndex(of: "}") {
                if !literal.isEmpty {
                    parts.append(.literal(literal))
                    literal = ""
                }
                let expression = template[template.index(after: index)..<close]
                if expression.hasPrefix("?") {
                    parts.append(.query(expression.dropFirst().split(separator: ",").map(String.init)))
                } else if expression.hasPrefix("+") {
                    parts.append(.variable(String(expression.dropFirst()), reserved: true))
                } else {
                    parts.append(.variable(String(expression), reserved: false))
                }
                index = template.index(after: close)
            } else {
                literal.append(ch)
                index = template.index(after: index)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The variable names, in order.
    public var variableNames: [String] {
        parts.flatMap { part -> [String] in
            switch part {
            case .literal: return []
            case .variable(let name, _): return [name]
            case .query(let names): return names
            }
        }
    }

    /// The variables of `uri`, or `nil` if it does not fit the template.
    public func match(_ uri: String) -> [String: String]? {
        var variables: [String: String] = [:]
        var rest = Substring(uri)
        for (offset, part) in parts.enumerated() {
            switch part {
            case .literal(let text):
                guard rest.hasPrefix(text) else { return nil }
                rest = rest.dropFirst(text.count)
            case .variable(let name, let reserved):
                // A variable runs to the next literal (or the end, or a query).
                var end = rest.endIndex
                if offset + 1 < parts.count, case .literal(let next) = parts[offset + 1], let found = Self.find(next, in: rest) {
                    end = found
                } else if let query = rest.firstIndex(of: "?") {
                    end = query
                }
                let value = rest[rest.startIndex..<end]
                if value.isEmpty || (!reserved && value.contains("/")) { return nil }
                variables[name] = Self.percentDecode(String(value))
                rest = rest[end...]
            case .query(let names):
                guard rest.hasPrefix("?") || rest.isEmpty else { return nil }
                for pair in rest.dropFirst().split(separator: "&") {
                    let pieces = pair.split(separator: "=", maxSplits: 1)
                    if pieces.count == 2, names.contains(String(pieces[0])) {
                        variables[String(pieces[0])] = Self.percentDecode(String(pieces[1]))
                    }
                }
                rest = rest[rest.endIndex...]
            }
        }
        return rest.isEmpty ? variables : nil
    }

    /// Where `needle` first occurs in `haystack`.
    static func find(_ needle: String, in haystack: Substring) -> Substring.Index? {
        var index = haystack.startIndex
        while index < haystack.endIndex {
            if haystack[index...].hasPrefix(needle) { return index }
            index = haystack.index(after: index)
        }
        return nil
    }

    static func percentDecode(_ text: String) -> String { JSONPointer.percentDecode(text) }
}
