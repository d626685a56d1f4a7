/// The keywords this validator knows, by what it does with them.
public enum SchemaKeywords {
    /// Keywords that are checked.
    public static let enforced: Set<String> = [
        "type", "enum", "const",
        "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
        "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "dependencies",
        "items", "prefixItems", "additionalItems", "contains", "minContains", "maxContains",
        "minItems", "maxItems", "uniqueItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "pattern",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "$ref", "$defs", "definitions",
    ]

    /// Keywords that only describe, and by the 2020-12 specification assert nothing.
    public static let annotations: Set<String> = [
        "$schema", "$id", "$anchor", "$comment", "$vocabulary", "title", "description", "default",
        "examples", "readOnly", "writeOnly", "deprecated", "contentSchema", "enumNames",
    ]

    /// Keywords that can assert something but are not checked here. A schema that uses one
    /// reports it in ``SchemaValidator/unenforcedKeywords``, so callers can say so.
    /// `format` is an annotation by default in 2020-12; it is listed because users often
    /// expect it to be checked.
    public static let recognizedButUnenforced: Set<String> = [
        "format", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor",
        "$recursiveRef", "$recursiveAnchor", "contentEncoding", "contentMediaType",
    ]
}
