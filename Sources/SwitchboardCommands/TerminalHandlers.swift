import JSONCore
import MCPClient
import MCPWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Answers to server requests for a person at a terminal: elicitation asks on stderr and
/// reads stdin; without a terminal, the request is declined. There is no model here, so
/// sampling is not offered.
enum TerminalHandlers {
    static func make() -> ClientHandlers {
        ClientHandlers(elicitation: { params in
            guard isatty(0) == 1 else {
                Terminal.error("note: the server asked for input (\"\(params.message)\"); declined, as stdin is not a terminal")
                return ElicitResult(action: .decline)
            }
            Terminal.error("The server asks: \(params.message)")
            if params.mode == .url {
                Terminal.error("Open this address to continue: \(params.url ?? "")")
                Terminal.error("Press Enter when done, or type 'no' to decline: ", terminator: "")
                return readLine()?.lowercased() == "no" ? ElicitResult(action: .decline) : ElicitResult(action: .accept)
            }
            var content = JSONObject()
            for (name, schema) in params.requestedSchema?.object("properties") ?? [:] {
                let type = schema["type"]?.stringValue ?? "string"
                Terminal.error("  \(schema["title"]?.stringValue ?? name) (\(type)): ", terminator: "")
                guard let line = readLine() else { return ElicitResult(action: .cancel) }
                switch type {
                case "boolean": content[name] = .bool(["y", "yes", "true", "1"].contains(line.lowercased()))
                case "integer": content[name] = Int(line).map(JSONValue.int) ?? .string(line)
                case "number": content[name] = Double(line).map(JSONValue.double) ?? .string(line)
                default: content[name] = .string(line)
                }
            }
            return ElicitResult(action: .accept, content: content)
        })
    }
}
