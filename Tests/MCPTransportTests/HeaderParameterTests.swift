import JSONCore
import MCPWire
import Testing

@Suite("x-mcp-header and header value encoding")
struct HeaderParameterTests {
    @Test(
        "the specification's encoding examples",
        arguments: [
            ("us-west1", "us-west1"),
            ("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="),
            (" padded ", "=?base64?IHBhZGRlZCA=?="),
            ("line1\nline2", "=?base64?bGluZTEKbGluZTI=?="),
            ("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="),
        ]
    )
    func encoding(original: String, encoded: String) {
        #expect(HeaderParameters.encode(original) == encoded)
        #expect(HeaderParameters.decode(encoded) == original)
    }

    @Test("annotated parameters are found by their property path")
    func extract() throws {
        let schema: JSONObject = [
            "type": "object",
            "properties": [
                "region": ["type": "string", "x-mcp-header": "Region"],
                "options": ["type": "object", "properties": ["tenant": ["type": "integer", "x-mcp-header": "Tenant"]]],
                "query": ["type": "string"],
            ],
        ]
        let found = try HeaderParameters.extract(from: schema)
        #expect(found.map(\.header).sorted() == ["Region", "Tenant"])
        let arguments: JSONObject = ["region": "us-west1", "options": ["tenant": 42], "query": "x"]
        #expect(HeaderParameters.headerValue(for: arguments, path: ["region"]) == "us-west1")
        #expect(HeaderParameters.headerValue(for: arguments, path: ["options", "tenant"]) == "42")
        #expect(HeaderParameters.headerValue(for: ["region": nil], path: ["region"]) == nil)
    }

    @Test(
        "invalid annotations make the tool unusable",
        arguments: [
            #"{"properties":{"a":{"type":"number","x-mcp-header":"A"}}}"#,
            #"{"properties":{"a":{"type":"string","x-mcp-header":""}}}"#,
            #"{"properties":{"a":{"type":"string","x-mcp-header":"Bad Name"}}}"#,
            #"{"properties":{"a":{"type":"string","x-mcp-header":"X"},"b":{"type":"string","x-mcp-header":"x"}}}"#,
            #"{"properties":{"a":{"type":"array","items":{"type":"string","x-mcp-header":"Item"}}}}"#,
            #"{"anyOf":[{"properties":{"a":{"type":"string","x-mcp-header":"A"}}}]}"#,
        ]
    )
    func invalid(schema: String) throws {
        let object = try #require(try JSONValue(parsing: schema).objectValue)
        #expect(throws: HeaderParameters.Violation.self) { try HeaderParameters.extract(from: object) }
    }
}
