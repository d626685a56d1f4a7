import JSONCore

/// One compiled subschema. Children are indexes into the validator's node array, which lets
/// `$ref` cycles (recursive schemas) be expressed without reference types.
struct SchemaNode: Sendable {
    /// `true` or `false` schemas, which accept everything or nothing.
    var constant: Bool?
    var types: Set<String>?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var ref: Int?

    var properties: [(name: String, node: Int)] = []
    var required: [String] = []
    var additionalProperties: Int?
    var patternProperties: [(pattern: Int, node: Int)] = []
    var propertyNames: Int?
    var minProperties: Int?
    var maxProperties: Int?
    var dependentRequired: [(name: String, required: [String])] = []
    var dependentSchemas: [(name: String, node: Int)] = []

    var prefixItems: [Int] = []
    var items: Int?
    var contains: Int?
    var minContains: Int?
    var maxContains: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false

    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?

    var minLength: Int?
    var maxLength: Int?
    var pattern: (index: Int, source: String)?

    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
    var ifNode: Int?
    var thenNode: Int?
    var elseNode: Int?
}
