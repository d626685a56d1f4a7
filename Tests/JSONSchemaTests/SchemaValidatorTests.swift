import JSONCore
import JSONSchema
import Testing

@Suite("JSON Schema validation")
struct SchemaValidatorTests {
    func violations(_ schema: String, _ instance: String) throws -> [SchemaViolation] {
        try SchemaValidator(schema: JSONValue(parsing: schema)).validate(JSONValue(parsing: instance))
    }

    @Test("a conforming instance has no violations")
    func conforming() throws {
        let schema = #"{"type":"object","properties":{"a":{"type":"integer","minimum":1},"b":{"type":"string"}},"required":["a"]}"#
        #expect(try violations(schema, #"{"a":3,"b":"x"}"#).isEmpty)
        #expect(try violations(schema, #"{"a":3.0}"#).isEmpty, "3.0 is an integer in JSON Schema")
    }

    @Test(
        "each violation names the field and the rule",
        arguments: [
            (#"{"required":["name"]}"#, #"{}"#, "name", "required"),
            (#"{"properties":{"n":{"type":"integer"}}}"#, #"{"n":"7"}"#, "n", "type"),
            (#"{"properties":{"n":{"minimum":5}}}"#, #"{"n":4}"#, "n", "minimum"),
            (#"{"properties":{"n":{"maximum":5}}}"#, #"{"n":6}"#, "n", "maximum"),
            (#"{"properties":{"n":{"exclusiveMinimum":5}}}"#, #"{"n":5}"#, "n", "exclusiveMinimum"),
            (#"{"properties":{"n":{"exclusiveMaximum":5}}}"#, #"{"n":5}"#, "n", "exclusiveMaximum"),
            (#"{"properties":{"n":{"multipleOf":0.5}}}"#, #"{"n":1.25}"#, "n", "multipleOf"),
            (#"{"properties":{"s":{"minLength":3}}}"#, #"{"s":"ab"}"#, "s", "minLength"),
            (#"{"properties":{"s":{"maxLength":2}}}"#, #"{"s":"abc"}"#, "s", "maxLength"),
            (#"{"properties":{"s":{"pattern":"^[a-z]+$"}}}"#, #"{"s":"AB"}"#, "s", "pattern"),
            (#"{"properties":{"e":{"enum":["a","b"]}}}"#, #"{"e":"c"}"#, "e", "enum"),
            (#"{"properties":{"c":{"const":1}}}"#, #"{"c":2}"#, "c", "const"),
            (#"{"properties":{"l":{"items":{"type":"string"}}}}"#, #"{"l":["a",1]}"#, "l[1]", "type"),
            (#"{"properties":{"l":{"minItems":2}}}"#, #"{"l":[1]}"#, "l", "minItems"),
            (#"{"properties":{"l":{"maxItems":1}}}"#, #"{"l":[1,2]}"#, "l", "maxItems"),
            (#"{"properties":{"l":{"uniqueItems":true}}}"#, #"{"l":[1,1.0]}"#, "l", "uniqueItems"),
            (#"{"additionalProperties":false,"properties":{"a":{}}}"#, #"{"a":1,"b":2}"#, "b", "additionalProperties"),
            (#"{"anyOf":[{"type":"string"},{"type":"integer"}]}"#, #"1.5"#, "(root)", "anyOf"),
            (#"{"oneOf":[{"type":"number"},{"type":"integer"}]}"#, #"1"#, "(root)", "oneOf"),
            (#"{"allOf":[{"required":["x"]},{"required":["y"]}]}"#, #"{"x":1}"#, "y", "required"),
            (#"{"not":{"type":"string"}}"#, #""s""#, "(root)", "not"),
            (#"{"properties":{"o":{"properties":{"deep":{"type":"boolean"}}}}}"#, #"{"o":{"deep":0}}"#, "o.deep", "type"),
            (#"{"minProperties":2}"#, #"{"a":1}"#, "(root)", "minProperties"),
            (#"{"dependentRequired":{"a":["b"]}}"#, #"{"a":1}"#, "b", "dependentRequired"),
            (#"{"prefixItems":[{"type":"integer"}]}"#, #"["x"]"#, "[0]", "type"),
            (#"{"contains":{"type":"string"}}"#, #"[1,2]"#, "(root)", "contains"),
            (#"{"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}}"#, #"{"k":"a"}"#, "x", "required"),
        ]
    )
    func violation(schema: String, instance: String, field: String, keyword: String) throws {
        let found = try violations(schema, instance)
        #expect(found.count >= 1)
        #expect(found.contains { $0.field == field && $0.keyword == keyword }, "\(found)")
    }

    @Test("$ref within the document resolves, including recursion and $defs")
    func references() throws {
        let schema = #"""
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
             "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"]}},
             "$ref":"#/$defs/node"}
            """#
        #expect(try violations(schema, #"{"value":1,"children":[{"value":2,"children":[]}]}"#).isEmpty)
        let found = try violations(schema, #"{"value":1,"children":[{"children":[{"value":"x"}]}]}"#)
        #expect(Set(found.map(\.field)) == ["children[0].value", "children[0].children[0].value"])
        // Draft-07 definitions and anchors.
        #expect(try violations(##"{"definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s"}}}"##, ##"{"a":1}"##).count == 1)
        #expect(try violations(##"{"$defs":{"x":{"$anchor":"pos","minimum":0}},"$ref":"#pos"}"##, "-1").count == 1)
    }

    @Test("external and dangling references are refused at compile time")
    func externalReferences() {
        #expect(throws: SchemaError.self) { try SchemaValidator(schema: JSONValue(parsing: #"{"$ref":"https://example.com/s.json"}"#)) }
        #expect(throws: SchemaError.self) { try SchemaValidator(schema: JSONValue(parsing: ##"{"$ref":"#/$defs/missing"}"##)) }
        #expect(throws: SchemaError.self) { try SchemaValidator(schema: JSONValue(parsing: #"{"pattern":"(unclosed"}"#)) }
    }

    @Test("keywords that are not enforced are reported, never silently passed")
    func unenforced() throws {
        let validator = try SchemaValidator(
            schema: JSONValue(parsing: #"{"properties":{"e":{"type":"string","format":"email"}},"unevaluatedProperties":false}"#)
        )
        #expect(validator.unenforcedKeywords == ["format", "unevaluatedProperties"])
        let plain = try SchemaValidator(schema: JSONValue(parsing: #"{"type":"object","x-mcp-header":"R","description":"d"}"#))
        #expect(plain.unenforcedKeywords.isEmpty)
    }

    @Test("draft-07 forms: tuple items, additionalItems, dependencies")
    func draft07() throws {
        let tuple = #"{"$schema":"http://json-schema.org/draft-07/schema#","items":[{"type":"string"}],"additionalItems":false}"#
        #expect(try violations(tuple, #"["a"]"#).isEmpty)
        #expect(try violations(tuple, #"["a",1]"#).count == 1)
        #expect(try violations(#"{"dependencies":{"a":["b"]}}"#, #"{"a":1}"#).count == 1)
    }

    @Test("a hostile schema is stopped by the limits, not run forever")
    func limits() throws {
        // Each level doubles the work through anyOf with two identical branches.
        var schema: JSONValue = ["type": "integer"]
        for _ in 0..<40 { schema = ["anyOf": [["not": ["not": schema]], ["type": "null"]]] }
        let validator = try SchemaValidator(schema: schema, limits: .init(maximumDepth: 64, maximumEvaluations: 10_000))
        let found = validator.validate("x")
        #expect(found.contains { $0.keyword == "limits" } || !found.isEmpty)
    }

    @Test("boolean schemas and strings counted by code points")
    func booleansAndLength() throws {
        #expect(try violations("true", "{}").isEmpty)
        #expect(try violations("false", "{}").count == 1)
        #expect(try violations(#"{"maxLength":2}"#, #""😀😀""#).isEmpty)
    }
}
