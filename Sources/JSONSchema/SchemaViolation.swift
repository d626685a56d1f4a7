import JSONCore

/// One way an instance fails its schema: where, which keyword, and why.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the offending value in the instance; empty for the root.
    public var instancePath: String
    /// The keyword that failed (`required`, `minimum`, `type`, ...).
    public var keyword: String
    /// A sentence a person can act on.
    public var message: String

    public init(instancePath: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.keyword = keyword
        self.message = message
    }

    /// The instance path as a field name for people: `items[0].name`, or `(root)`.
    public var field: String {
        guard !instancePath.isEmpty else { return "(root)" }
        var result = ""
        for segment in instancePath.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let name = JSONPointer.unescape(segment)
            if let index = Int(name) {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? name : "." + name
            }
        }
        return result
    }

    public var description: String { "\(field): \(message) (\(keyword))" }
}

/// A schema that cannot be used to validate anything.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the offending place in the schema.
    public var schemaPath: String
    public var reason: String

    public init(schemaPath: String, reason: String) {
        self.schemaPath = schemaPath
        self.reason = reason
    }

    public var description: String { "invalid schema at \(schemaPath.isEmpty ? "#" : "#" + schemaPath): \(reason)" }
}
