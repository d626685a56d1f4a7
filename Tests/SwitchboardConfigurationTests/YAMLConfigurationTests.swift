import JSONCore
import MCPTransport
import SwitchboardConfiguration
import SwitchboardYAML
import Testing

@Suite("YAML configuration files")
struct YAMLConfigurationTests {
    let loader = ConfigurationLoader(environment: ["PORT": "9000"], currentDirectory: "/w", yaml: YAMLConfiguration.reader)

    @Test("plain scalars are typed, quoted ones stay strings; variables expand as in JSON")
    func types() throws {
        let text = """
            switchboard:
              timeoutSeconds: 2.5
              trustAnnotations: true
            mcpServers:
              srv:
                command: server
                args: ["--port", "${PORT}", "123"]
                env: {LEVEL: 3}
                switchboard: {replicas: 2}
            """
        let configuration = try loader.parse(text, file: "/w/c.yaml")
        #expect(configuration.defaults.timeoutSeconds == 2.5 && configuration.defaults.trustAnnotations == true)
        #expect(configuration.servers[0].endpoints.count == 2)
        #expect(
            configuration.servers[0].primary
                == .stdio(ProcessConfiguration(command: "server", arguments: ["--port", "9000", "123"], environment: ["LEVEL": "3"]))
        )
    }

    @Test("errors carry YAML lines: a wrong type, a repeated server, a syntax error")
    func errors() {
        func messages(_ text: String) -> [String] {
            do {
                _ = try loader.parse(text, file: "c.yaml")
                return []
            } catch { return error.errors.map(\.description) }
        }
        #expect(
            messages("mcpServers:\n  a:\n    command: x\n    args: 5\n") == [
                #"c.yaml:4:5: error: server "a": "args" must be an array of strings, not integer"#
            ]
        )
        #expect(
            messages("mcpServers:\n  a: {command: x}\n  a: {command: y}\n") == [
                #"c.yaml:2:3: error: "a" given twice in the mapping that starts here (a name can be defined once)"#
            ]
        )
        #expect(messages("mcpServers: [unclosed\n").first?.hasPrefix("c.yaml:2:") == true)
    }
}
