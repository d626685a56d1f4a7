import ArgumentParser
import JSONCore
import MCPClient
import MCPTransport
import MCPWire

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the server's identity, negotiated protocol version and era, transport and capabilities."
    )

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            let description = try server.selection().description
            try await server.withSession { session in
                guard let negotiation = session.negotiation else { return }
                if output.json {
                    var document: JSONObject = [
                        "server": description.jsonString,
                        "serverInfo": negotiation.serverInfo.map { .object($0.json) } ?? .null,
                        "protocolVersion": .string(negotiation.protocolVersion.rawValue),
                        "era": .string(negotiation.era.rawValue),
                        "transport": .string(session.transport.kind.rawValue),
                        "capabilities": .object(negotiation.capabilities.json),
                    ]
                    document["instructions"] = negotiation.instructions.map(JSONValue.string)
                    if negotiation.era == .modern {
                        document["supportedVersions"] = .array(negotiation.supportedVersions.map { .string($0.rawValue) })
                    }
                    Terminal.output(JSONValue.object(document).serializedString(options: .prettyPrinted))
                    return
                }
                var table = TextTable("property", "value")
                table.add("server", description)
                table.add("name", negotiation.serverInfo.map { "\($0.name) \($0.version)" } ?? "(not given)")
                if let title = negotiation.serverInfo?.title { table.add("title", title) }
                table.add("protocol version", negotiation.protocolVersion.rawValue)
                table.add("era", negotiation.era.rawValue)
                table.add("transport", session.transport.kind.rawValue)
                table.add("capabilities", negotiation.capabilities.names.sorted().joined(separator: ", "))
                if negotiation.era == .modern {
                    table.add("server supports", negotiation.supportedVersions.map(\.rawValue).joined(separator: ", "))
                }
                if let instructions = negotiation.instructions { table.add("instructions", instructions) }
                Terminal.output(table.render())
            }
        }
    }
}

extension String {
    var jsonString: JSONValue { .string(self) }
}
