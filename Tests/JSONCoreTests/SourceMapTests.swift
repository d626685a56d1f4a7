import JSONCore
import Testing

@Suite("Source maps of JSON documents")
struct SourceMapTests {
    let text = """
        {
          "mcpServers": {
            "a": {"command": "x",
                  "args": ["one", "two"]},
            "a": {"url": "http://h"}
          }
        }
        """

    @Test("every member and element has its line and column; the value is the same as a plain parse")
    func locations() throws {
        let (value, map) = try JSONValue.parseWithSourceMap(text)
        #expect(value == (try JSONValue(parsing: text)))
        #expect(map.location(of: "/mcpServers") == .init(line: 2, column: 3))
        #expect(map.location(of: "/mcpServers/a/command")?.line == 3)
        #expect(map.location(of: "/mcpServers/a/args/1") == .init(line: 4, column: 27))
        #expect(map.location(of: "/nothing") == nil)
    }

    @Test("a member name given twice is reported where it repeats; the last one wins, as in a plain parse")
    func duplicates() throws {
        let (value, map) = try JSONValue.parseWithSourceMap(text)
        #expect(map.duplicates == [.init(pointer: "/mcpServers/a", location: .init(line: 5, column: 5))])
        #expect(value["mcpServers"]?["a"]?["url"] == "http://h")
    }

    @Test("member names that need escaping in a pointer")
    func escaping() throws {
        let (_, map) = try JSONValue.parseWithSourceMap(#"{"a/b": {"c~d": 1}}"#)
        #expect(map.location(of: "/a~1b/c~0d") == .init(line: 1, column: 10))
    }

    @Test("a syntax error's offset converts to a line")
    func errorLine() throws {
        let broken = "{\n  \"a\": 1,\n  \"b\" 2\n}"
        #expect {
            try JSONValue.parseWithSourceMap(broken)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return JSONSourceMap.location(ofOffset: error.offset, in: broken) == .init(line: 3, column: 7)
        }
    }
}
