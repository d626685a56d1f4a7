public import JSONCore

/// A configuration file parsed into a JSON value, with a way back from any value to its line.
///
/// JSON files come with a ``JSONSourceMap``; a YAML reader (in a target that may use
/// Foundation) produces the same from its node marks, so one reader checks both.
public struct ConfigurationDocument: Sendable {
    public var root: JSONValue
    /// Where the value at a JSON Pointer is, when known.
    public var locate: @Sendable (String) -> JSONSourceMap.Location?
    /// Member names given twice in one object: the second one's pointer and place.
    public var duplicates: [JSONSourceMap.Duplicate]

    public init(
        root: JSONValue,
        locate: @escaping @Sendable (String) -> JSONSourceMap.Location? = { _ in nil },
        duplicates: [JSONSourceMap.Duplicate] = []
    ) {
        self.root = root
        self.locate = locate
        self.duplicates = duplicates
    }

    /// Parses JSON (comments and trailing commas allowed, as in VS Code's files).
    public static func json(_ text: String, file: String) throws(ConfigError) -> ConfigurationDocument {
        let stripped = JSONWithComments.strip(text)
        do {
            let (root, map) = try JSONValue.parseWithSourceMap(stripped)
            return ConfigurationDocument(root: root, locate: { map.location(of: $0) }, duplicates: map.duplicates)
        } catch {
            let location = JSONSourceMap.location(ofOffset: error.offset, in: stripped)
            throw ConfigError(diagnostics: [ConfigDiagnostic(.error, file: file, location: location, message: "not valid JSON: \(error.reason)")])
        }
    }

    /// Something that reads YAML into a document; the binary that links a YAML parser
    /// (`switchboard-http`) has one, the lean one does not.
    public typealias YAMLReader = @Sendable (_ text: String, _ file: String) throws(ConfigError) -> ConfigurationDocument

    /// Whether a file is YAML by its name.
    public static func isYAML(_ file: String) -> Bool {
        file.hasSuffix(".yaml") || file.hasSuffix(".yml")
    }

    /// Parses `text` as the kind its file name says.
    public static func parse(_ text: String, file: String, yaml: YAMLReader?) throws(ConfigError) -> ConfigurationDocument {
        guard isYAML(file) else { return try json(text, file: file) }
        guard let yaml else {
            throw ConfigError(file: file, message: "reading YAML needs the switchboard-http binary, which has the YAML reader")
        }
        return try yaml(text, file)
    }
}
