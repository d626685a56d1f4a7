import MCPServer
import Testing

@Suite("URI templates")
struct URITemplateTests {
    @Test("simple variables match one segment; reserved ones span slashes")
    func matching() {
        #expect(URITemplate("demo://greeting/{name}").match("demo://greeting/Ada") == ["name": "Ada"])
        #expect(URITemplate("demo://greeting/{name}").match("demo://greeting/a/b") == nil)
        #expect(URITemplate("file:///{+path}").match("file:///etc/hosts") == ["path": "etc/hosts"])
        #expect(URITemplate("db://{table}/{id}").match("db://users/42") == ["table": "users", "id": "42"])
        #expect(URITemplate("db://{table}/{id}").match("db://users/") == nil)
        #expect(URITemplate("search://q{?term,limit}").match("search://q?term=swift&limit=5") == ["term": "swift", "limit": "5"])
        #expect(URITemplate("demo://greeting/{name}").match("demo://greeting/J%C3%B6rg") == ["name": "Jörg"])
        #expect(URITemplate("a://{x}").variableNames == ["x"])
    }
}
