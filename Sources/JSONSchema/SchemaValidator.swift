public import JSONCore
import Synchronization

/// Checks JSON values against a JSON Schema (2020-12, with draft-07 forms accepted).
///
/// The schema is compiled once: `$ref`s within the document are resolved to nodes, so
/// validation walks a graph with no lookups by name. References outside the document are
/// refused at compile time rather than treated as "anything goes", as the MCP specification
/// asks. Keywords that are present but not checked are listed in ``unenforcedKeywords``.
///
/// ```swift
/// let validator = try SchemaValidator(schema: tool.inputSchema)
/// let violations = validator.validate(arguments)
/// ```
public struct SchemaValidator: Sendable {
    /// Limits that keep a hostile schema from using unbounded time.
    public struct Limits: Sendable, Hashable {
        /// How deep validation may recurse through subschemas and `$ref`s.
        public var maximumDepth: Int
        /// How many subschema evaluations one validation may make.
        public var maximumEvaluations: Int

        public init(maximumDepth: Int = 128, maximumEvaluations: Int = 200_000) {
            self.maximumDepth = maximumDepth
            self.maximumEvaluations = maximumEvaluations
        }
    }

    let nodes: [SchemaNode]
    let patterns: PatternCache
    let limits: Limits

    /// Keywords present in the schema that are not checked (see ``SchemaKeywords``).
    public let unenforcedKeywords: Set<String>

    /// Compiles `schema`.
    /// - Throws: ``SchemaError`` when the schema is malformed, uses a `$ref` that cannot be
    ///   resolved within the document, or has a `pattern` that is not a valid regular expression.
    public init(schema: JSONValue, limits: Limits = Limits()) throws(SchemaError) {
        var compiler = SchemaCompiler(root: schema)
        try compiler.compileRoot()
        self.nodes = compiler.nodes
        self.unenforcedKeywords = compiler.unenforced
        self.patterns = try PatternCache(sources: compiler.patternSources)
        self.limits = limits
    }

    /// Compiles an object schema.
    public init(schema: JSONObject, limits: Limits = Limits()) throws(SchemaError) {
        try self.init(schema: .object(schema), limits: limits)
    }

    /// Every violation of the schema by `instance`; empty when it conforms.
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var evaluation = Evaluation(validator: self)
        evaluation.check(node: 0, instance, path: "", depth: 0)
        return evaluation.violations
    }

    /// Whether `instance` conforms.
    public func isValid(_ instance: JSONValue) -> Bool {
        var evaluation = Evaluation(validator: self, stopAtFirst: true)
        evaluation.check(node: 0, instance, path: "", depth: 0)
        return evaluation.violations.isEmpty
    }
}

/// Compiled regular expressions, shared by copies of a validator.
///
/// `Regex` is not `Sendable`, so the compiled values stay behind a lock and are only used
/// inside it; patterns are rare in tool schemas, so contention does not matter.
final class PatternCache: Sendable {
    private let regexes: Mutex<[Regex<AnyRegexOutput>]>

    init(sources: [String]) throws(SchemaError) {
        var compiled: [Regex<AnyRegexOutput>] = []
        for source in sources {
            do {
                compiled.append(try Regex(source))
            } catch {
                throw SchemaError(schemaPath: "", reason: "pattern '\(source)' is not a valid regular expression")
            }
        }
        regexes = Mutex(compiled)
    }

    /// Whether pattern `index` matches anywhere in `string` (JSON Schema patterns are not anchored).
    func matches(_ index: Int, _ string: String) -> Bool {
        regexes.withLock { regexes in string.contains(regexes[index]) }
    }
}
