/// The name a hub knows a server's tool or prompt by: the server's name, the separator, and
/// the name the server gives it (`github__create_issue`).
///
/// Built and split in one place, so that a server whose own name contains the separator is
/// still told apart from its tool.
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    public var server: String
    public var name: String
    public var separator: String

    public init(server: String, name: String, separator: String) {
        self.server = server
        self.name = name
        self.separator = separator
    }

    /// `server` + `separator` + `name`.
    public var description: String { server + separator + name }

    /// Splits `text` after the first occurrence of `separator` whose prefix `isServer`
    /// accepts; `nil` when no prefix names a server.
    public static func parse(_ text: String, separator: String, isServer: (String) -> Bool) -> QualifiedName? {
        guard !separator.isEmpty else { return nil }
        var searchStart = text.startIndex
        while let range = text[searchStart...].firstRange(of: separator) {
            let server = String(text[..<range.lowerBound])
            if isServer(server) {
                return QualifiedName(server: server, name: String(text[range.upperBound...]), separator: separator)
            }
            searchStart = text.index(after: range.lowerBound)
        }
        return nil
    }
}
