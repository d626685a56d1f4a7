import ArgumentParser
import JSONCore
import MCPClient
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a tool.",
        discussion: """
            Give arguments as one JSON object with --args, or as key=value pairs that are
            converted to the types the tool's input schema asks for:

              switchboard call add a=2 b=3
              switchboard call stats --args '{"numbers": [1, 2, 3]}'

            Exit status 1 means the tool ran and reported an error.
            """
    )

    @Argument(help: "The tool's name.") var tool: String
    @Argument(help: "Arguments as key=value pairs.") var pairs: [String] = []
    @Option(name: .long, help: ArgumentHelp("The arguments as a JSON object.", valueName: "json")) var args: String?
    @Flag(name: .long, help: "Print what each interceptor did during the call, and what its sign-in did (tokens as fingerprints), on stderr.")
    var trace = false
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if args != nil && !pairs.isEmpty { throw ValidationError("give arguments either with --args or as key=value pairs, not both") }
        for pair in pairs where !pair.contains("=") {
            throw ValidationError("'\(pair)' is not a key=value pair")
        }
        if let args, (try? JSONValue(parsing: args))?.objectValue == nil {
            throw ValidationError("--args must be a JSON object, like '{\"text\": \"hi\"}'")
        }
    }

    func run() async throws {
        var authorizationTrace = AuthorizationTrace()
        if trace { authorizationTrace.write = { @Sendable line in Terminal.error("trace: authorization: " + line) } }
        try await AuthorizationTrace.$current.withValue(authorizationTrace) { try await run(tracing: ()) }
    }

    private func run(tracing: Void) async throws {
        try await reporting {
            let selection = try server.selection()
            let configuration = selection.configuration
            // A qualified name needs only its server started; a bare one may be any server's.
            let target =
                selection.only ?? QualifiedName.parse(tool, separator: configuration.separator) { configuration.server(named: $0) != nil }?.server
            try await server.withHub(selection, handlers: TerminalHandlers.make(), servers: target.map { [$0] }) { hub in
                if let target { _ = try hub.session(for: target) }
                let route = try hub.resolve(tool)
                let definition = hub.tools.first { $0.server == route.server && $0.tool.name == route.tool }?.tool
                let qualified = QualifiedName(server: route.server, name: route.tool, separator: configuration.separator).description
                try await call(definition: definition) { arguments, options async throws(MCPError) in
                    try await hub.callTool(qualified, arguments: arguments, options: options)
                }
            }
        }
    }

    /// Builds the arguments (coerced by the tool's schema), calls, prints; exit 1 for a tool error.
    func call(
        definition: Tool?,
        _ perform: (JSONObject, RequestOptions) async throws(MCPError) -> CallToolResult
    ) async throws {
        let arguments: JSONObject
        if let args {
            arguments = try JSONValue(parsing: args).objectValue ?? [:]
        } else if pairs.isEmpty {
            arguments = [:]
        } else {
            guard let definition else {
                throw MCPError(.invalidArguments, "the server has no tool named '\(tool)'")
            }
            arguments = try ArgumentCoercion.coerce(pairs, schema: definition.inputSchema)
        }
        let timeline = trace ? CallTimeline() : nil
        let result: CallToolResult
        do {
            result = try await perform(arguments, server.requestOptions(timeline: timeline))
        } catch {
            if let timeline { printTimeline(timeline) }
            throw error
        }
        if let timeline { printTimeline(timeline) }
        if output.json {
            Terminal.output(result.jsonValue.serializedString(options: .prettyPrinted))
        } else {
            print(result)
        }
        if result.isError { throw ExitCode(1) }
    }

    func printTimeline(_ timeline: CallTimeline) {
        Terminal.error("trace:")
        for entry in timeline.entries {
            let microseconds = Double(entry.offset.components.seconds) * 1e6 + Double(entry.offset.components.attoseconds) / 1e12
            let column = String(repeating: " ", count: max(0, 12 - entry.interceptor.count))
            Terminal.error("  \(BenchResult.format(microseconds / 1000).leftPadded(9)) ms  \(entry.interceptor)\(column)\(entry.text)")
        }
    }

    func print(_ result: CallToolResult) {
        for block in result.content {
            switch block {
            case .text(let text): Terminal.output(text.text)
            case .image(let media), .audio(let media):
                Terminal.output("(\(block.type) \(media.mimeType), \(media.data.count * 3 / 4) bytes; use --json to see it)")
            case .resourceLink(let link): Terminal.output("→ \(link.uri) (\(link.name))")
            case .resource(let embedded): Terminal.output(embedded.resource.text ?? "(embedded \(embedded.resource.uri))")
            default: Terminal.output(block.json.description)
            }
        }
        if let structured = result.structuredContent, result.content.isEmpty {
            Terminal.output(structured.serializedString(options: .prettyPrinted))
        }
    }
}

/// Turns `key=value` words into a JSON object, by the types the input schema gives.
enum ArgumentCoercion {
    static func coerce(_ pairs: [String], schema: JSONObject) throws(MCPError) -> JSONObject {
        let properties = schema.object("properties") ?? [:]
        var arguments = JSONObject()
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let text = parts.count > 1 ? String(parts[1]) : ""
            let property = properties.object(key)
            let types: [String] = {
                switch property?["type"] {
                case .string(let type)?: return [type]
                case .array(let types)?: return types.compactMap(\.stringValue)
                default: return []
                }
            }()
            arguments[key] = try value(text, types: types, key: key)
        }
        return arguments
    }

    static func value(_ text: String, types: [String], key: String) throws(MCPError) -> JSONValue {
        if types.isEmpty {
            // No declared type: JSON if it reads as JSON, else the text itself.
            return (try? JSONValue(parsing: text)) ?? .string(text)
        }
        for type in types {
            switch type {
            case "string": return .string(text)
            case "integer": if let number = Int(text) { return .int(number) }
            case "number": if let number = Double(text) { return Int(text).map(JSONValue.int) ?? .double(number) }
            case "boolean":
                if ["true", "yes", "1"].contains(text.lowercased()) { return .bool(true) }
                if ["false", "no", "0"].contains(text.lowercased()) { return .bool(false) }
            case "null": if text == "null" { return .null }
            case "array", "object":
                if let parsed = try? JSONValue(parsing: text), parsed.typeName == type { return parsed }
            default: break
            }
        }
        throw MCPError(.invalidArguments, "argument '\(key)': '\(text)' is not a valid \(types.joined(separator: " or "))")
    }
}
