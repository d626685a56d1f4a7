import ArgumentParser
import JSONCore
import MCPClient
import MCPWire
import SwitchboardConfiguration
import SwitchboardHub

struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tools", abstract: "List the server's tools.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            let selection = try server.selection()
            try await server.withHub(selection) { hub in
                // One server: its own names (a failure to connect is that server's error);
                // several: qualified names, with the servers that failed reported.
                if let only = selection.only {
                    _ = try hub.session(for: only)
                } else {
                    ServerOptions.reportProblems(of: hub)
                }
                let tools = hub.tools
                let single = selection.only != nil
                if output.json {
                    let items: [JSONValue] = tools.map { tool in
                        guard !single else { return tool.tool.jsonValue }
                        var object = tool.tool.jsonValue.objectValue ?? [:]
                        object["name"] = .string(tool.qualifiedName)
                        object["server"] = .string(tool.server)
                        return .object(object)
                    }
                    Terminal.output(JSONValue.object(["tools": .array(items)]).serializedString(options: .prettyPrinted))
                    return
                }
                var table = TextTable("name", "hints", "description")
                for tool in tools {
                    table.add(
                        single ? tool.tool.name : tool.qualifiedName,
                        hints(tool.tool.annotations),
                        tool.tool.description ?? tool.tool.title ?? ""
                    )
                }
                Terminal.output(tools.isEmpty ? "(no tools)" : table.render())
            }
        }
    }

    func hints(_ annotations: ToolAnnotations?) -> String {
        guard let annotations else { return "" }
        var hints: [String] = []
        if annotations.readOnlyHint == true { hints.append("read-only") }
        if annotations.idempotentHint == true { hints.append("idempotent") }
        if annotations.destructiveHint == true { hints.append("destructive") }
        return hints.joined(separator: ",")
    }
}

struct ResourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resources", abstract: "List the server's resources.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            let selection = try server.selection()
            try await server.withHub(selection) { hub in
                if let only = selection.only {
                    show(try await hub.session(for: only).allResources().map { (nil, $0) })
                    return
                }
                ServerOptions.reportProblems(of: hub)
                let (resources, failures) = await hub.resources()
                for (name, error) in failures.sorted(by: { $0.key < $1.key }) {
                    Terminal.error("warning: server \"\(name)\" could not list its resources: \(error.message)")
                }
                show(resources.map { ($0.server, $0.resource) })
            }
        }
    }

    /// Prints resources, with the server of each when they come from several.
    func show(_ resources: [(server: String?, resource: Resource)]) {
        if output.json {
            let items: [JSONValue] = resources.map { item in
                var object = item.resource.jsonValue.objectValue ?? [:]
                if let server = item.server { object["server"] = .string(server) }
                return .object(object)
            }
            Terminal.output(JSONValue.object(["resources": .array(items)]).serializedString(options: .prettyPrinted))
            return
        }
        let servers = resources.contains { $0.server != nil }
        var table = TextTable(headers: (servers ? ["server"] : []) + ["uri", "name", "type", "description"])
        for (server, resource) in resources {
            let cells = [resource.uri, resource.title ?? resource.name, resource.mimeType ?? "", resource.description ?? ""]
            table.add(row: (servers ? [server ?? ""] : []) + cells)
        }
        Terminal.output(resources.isEmpty ? "(no resources)" : table.render())
    }
}

struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "templates", abstract: "List the server's resource templates.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            try await server.withSession { session in
                let templates = try await session.allResourceTemplates()
                if output.json {
                    Terminal.output(
                        JSONValue.object(["resourceTemplates": .array(templates.map(\.jsonValue))]).serializedString(options: .prettyPrinted)
                    )
                    return
                }
                var table = TextTable("uri template", "name", "type", "description")
                for template in templates {
                    table.add(template.uriTemplate, template.title ?? template.name, template.mimeType ?? "", template.description ?? "")
                }
                Terminal.output(templates.isEmpty ? "(no resource templates)" : table.render())
            }
        }
    }
}

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Read a resource.")

    @Argument(help: "The resource URI.") var uri: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            let selection = try server.selection()
            try await server.withHub(selection) { hub in
                if let only = selection.only { _ = try hub.session(for: only) }
                show(try await hub.readResource(uri, server: selection.only))
            }
        }
    }

    func show(_ result: ReadResourceResult) {
        if output.json {
            Terminal.output(result.jsonValue.serializedString(options: .prettyPrinted))
            return
        }
        for contents in result.contents {
            if let text = contents.text {
                Terminal.output(text)
            } else if let blob = contents.blob {
                Terminal.output("(\(contents.mimeType ?? "binary"), \(blob.count * 3 / 4) bytes of base64 data; use --json to see it)")
            }
        }
    }
}

struct PromptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prompts", abstract: "List the server's prompts.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reporting {
            let selection = try server.selection()
            try await server.withHub(selection) { hub in
                if let only = selection.only {
                    show(try await hub.session(for: only).allPrompts().map { ($0.name, $0) })
                    return
                }
                ServerOptions.reportProblems(of: hub)
                show(hub.prompts.map { ($0.qualifiedName, $0.prompt) })
            }
        }
    }

    func show(_ prompts: [(name: String, prompt: Prompt)]) {
        if output.json {
            let items: [JSONValue] = prompts.map { item in
                var object = item.prompt.jsonValue.objectValue ?? [:]
                object["name"] = .string(item.name)
                return .object(object)
            }
            Terminal.output(JSONValue.object(["prompts": .array(items)]).serializedString(options: .prettyPrinted))
            return
        }
        var table = TextTable("name", "arguments", "description")
        for (name, prompt) in prompts {
            let arguments = prompt.arguments.map { $0.required ? $0.name : "[\($0.name)]" }.joined(separator: " ")
            table.add(name, arguments, prompt.description ?? prompt.title ?? "")
        }
        Terminal.output(prompts.isEmpty ? "(no prompts)" : table.render())
    }
}

struct PromptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prompt", abstract: "Get a prompt, filled in with arguments.")

    @Argument(help: "The prompt's name.") var name: String
    @Option(name: .long, help: ArgumentHelp("The arguments as a JSON object of strings.", valueName: "json")) var args: String?
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var arguments: [String: String] = [:]
        if let args {
            guard case .object(let object)? = try? JSONValue(parsing: args) else {
                throw ValidationError("--args must be a JSON object, like '{\"text\": \"...\"}'")
            }
            for (key, value) in object {
                arguments[key] = value.stringValue ?? value.serializedString()
            }
        }
        let promptArguments = arguments
        try await reporting {
            let selection = try server.selection()
            if selection.only != nil {
                try await server.withSession { session in show(try await session.getPrompt(name, arguments: promptArguments)) }
                return
            }
            try await server.withHub(selection) { hub in show(try await hub.getPrompt(name, arguments: promptArguments)) }
        }
    }

    func show(_ result: GetPromptResult) {
        if output.json {
            Terminal.output(result.jsonValue.serializedString(options: .prettyPrinted))
            return
        }
        if let description = result.description { Terminal.output("# \(description)\n") }
        for message in result.messages {
            Terminal.output("[\(message.role)]")
            Terminal.output(message.content.text ?? message.content.json.description)
            Terminal.output("")
        }
    }
}
