import JSONCore
import Testing

@Suite("JSON reading and writing")
struct JSONParserTests {
    @Test(
        "values of every kind round-trip exactly",
        arguments: [
            #"null"#, #"true"#, #"false"#, #"0"#, #"-7"#, #"42"#, #"1.5"#, #"-0.25"#, #"1e-05"#, #"1e+20"#,
            #""""#, #""plain""#, #"[]"#, #"{}"#, #"[1,[2,[3,{"a":null}]]]"#, #"{"b":1,"a":2}"#,
            #"9223372036854775807"#, #"-9223372036854775808"#, #"1.0"#,
        ]
    )
    func roundTrip(text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(value.serializedString() == text)
    }

    @Test("escapes decode and re-encode to the minimal form")
    func escapes() throws {
        let value = try JSONValue(parsing: #""a\"b\\c\/d\n\t\u0001\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\n\t\u{01}é😀"))
        #expect(value.serializedString() == #""a\"b\\c/d\n\t\u0001é😀""#)
    }

    @Test("numbers keep integer and fraction apart but compare by value")
    func numbers() throws {
        let int = try JSONValue(parsing: "3")
        let double = try JSONValue(parsing: "3.0")
        #expect(int == .int(3))
        #expect(double == .double(3))
        #expect(int != double)
        #expect(int.semanticallyEquals(double))
        #expect(try JSONValue(parsing: "123456789012345678901234").doubleValue == 1.2345678901234568e23)
    }

    @Test(
        "a number beyond a double's range is refused, not turned into null on the way back out",
        arguments: ["1e400", "-1.7976931348655793e308", "[1, 2e999]"]
    )
    func numberOutOfRange(text: String) throws {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        #expect(try JSONValue(parsing: "1.7976931348623157e308").serializedString() == "1.7976931348623157e+308")
    }

    @Test("object order is kept; semantic equality ignores it")
    func order() throws {
        let a = try JSONValue(parsing: #"{"x":1,"y":2}"#)
        let b = try JSONValue(parsing: #"{"y":2,"x":1}"#)
        #expect(a.semanticallyEquals(b))
        #expect(a.serializedString() == #"{"x":1,"y":2}"#)
        #expect(b.serializedString(options: .canonical) == #"{"x":1,"y":2}"#)
    }

    @Test(
        "invalid input is refused with an offset",
        arguments: [
            ("", 0), ("{", 1), (#"{"a" 1}"#, 5), ("[1,]", 3), ("01", 1), (#""\x""#, 2), ("tru", 0), ("1 2", 2),
            (#""\ud800""#, 7), ("-", 1), ("1.", 2), (#"{"a":1,}"#, 7), ("\"\u{01}\"", 1),
        ]
    )
    func invalid(text: String, offset: Int) {
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            (error as? JSONParseError)?.offset == offset
        }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xFF, 0x22]
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: bytes) }
    }

    @Test("nesting beyond the limit is refused, not a crash")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try JSONValue(parsing: ok).arrayValue?.count == 1)
    }

    @Test("pretty output indents and never changes the value")
    func pretty() throws {
        let value: JSONValue = ["a": [1, 2], "b": ["c": "d"], "e": [], "f": [:]]
        let text = value.serializedString(options: .prettyPrinted)
        #expect(text == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  },\n  \"e\": [],\n  \"f\": {}\n}")
        #expect(try JSONValue(parsing: text) == value)
    }

    @Test("non-finite doubles are written as null")
    func nonFinite() {
        #expect(JSONValue.double(.infinity).serializedString() == "null")
        #expect(JSONValue.double(.nan).serializedString() == "null")
    }

    @Test("control characters are escaped so output never spans lines")
    func noRawNewlines() {
        let value = JSONValue.string("line1\nline2\r\u{1F}")
        let text = value.serializedString()
        #expect(!text.contains("\n"))
        #expect(text == #""line1\nline2\r\u001f""#)
    }
}
