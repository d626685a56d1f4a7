public import JSONCore

/// One finding about a configuration file: where it is, what is wrong, and how bad.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        /// The file cannot be used as it is.
        case error
        /// The file works, but probably not as its author meant (an unknown key, a foreign setting).
        case warning
    }

    public var severity: Severity
    public var file: String
    /// Where in the file, when known.
    public var location: JSONSourceMap.Location?
    /// The JSON Pointer of the value concerned (`/mcpServers/github/args/0`); empty for the whole file.
    public var pointer: String
    public var message: String

    public init(_ severity: Severity, file: String, location: JSONSourceMap.Location? = nil, pointer: String = "", message: String) {
        self.severity = severity
        self.file = file
        self.location = location
        self.pointer = pointer
        self.message = message
    }

    /// `file:line:column: error: message`, the form editors and terminals link.
    public var description: String {
        var place = file
        if let location { place += ":\(location.line):\(location.column)" }
        return "\(place): \(severity.rawValue): \(message)"
    }
}

/// A configuration that cannot be used, with every error found (and the warnings alongside).
///
/// Thrown by loading and by the interceptor registry; a caller switches on nothing more than
/// "it is a configuration error" and shows ``diagnostics`` to the user, who fixes the file.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One error about `file`, with no line.
    public init(file: String, message: String) {
        self.diagnostics = [ConfigDiagnostic(.error, file: file, message: message)]
    }

    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }

    /// The first error's message alone, without the file.
    public var message: String { (errors.first ?? diagnostics.first)?.message ?? "invalid configuration" }

    public var file: String { diagnostics.first?.file ?? "" }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
