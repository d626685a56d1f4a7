import JSONCore
public import MCPServer
import MCPWire
import Synchronization

/// The built-in demo server: a small, fast server with one of everything MCP offers.
///
/// It is the embedded default of the `switchboard` command, the server of the benchmarks,
/// and the target of fault tests. Tools: `echo`, `add`, `sleep` (with progress), `fail`
/// (reports `isError`), `stats` (structured output with an output schema), `confirm_action`
/// (asks the user through elicitation), `ask_model` (sampling), `increment` (changes a
/// resource and announces it). Resources: `demo://readme`, `demo://counter`; template
/// `demo://greeting/{name}`. Prompt: `summarize`.
public enum DemoServer {
    public static let name = "switchboard-demo"

    /// Builds the server; with `chaos`, the fault-injection tools too (see ``ChaosOptions``).
    public static func make(options: Server.Options = Server.Options(), chaos: ChaosOptions? = nil) -> Server {
        var options = options
        var chaosState: Chaos?
        if let chaos {
            let state = Chaos(options: chaos)
            chaosState = state
            let previous = options.requestObserver
            options.requestObserver = { method in
                state.record("method:" + method)
                previous?(method)
            }
        }
        let server = Server(
            info: Implementation(name: name, version: "1.0.0", title: "Switchboard demo server"),
            instructions: "A demo server: try `echo`, `add`, `stats` or `sleep`, read demo://readme.",
            options: options
        )
        let counter = Counter()
        addTools(to: server, counter: counter)
        addResources(to: server, counter: counter)
        addPrompts(to: server)
        if let chaosState { addChaosTools(to: server, chaos: chaosState) }
        return server
    }

    static func addTools(to server: Server, counter: Counter) {
        server.addTool(
            Tool(
                name: "echo",
                description: "Returns the text it is given.",
                inputSchema: [
                    "type": "object",
                    "properties": ["text": ["type": "string", "description": "What to echo back"]],
                    "required": ["text"],
                ],
                annotations: ToolAnnotations(readOnlyHint: true, idempotentHint: true, openWorldHint: false)
            )
        ) { arguments, _ in
            CallToolResult(content: [.text(arguments.string("text") ?? "")])
        }

        server.addTool(
            Tool(
                name: "add",
                description: "Adds two numbers.",
                inputSchema: [
                    "type": "object",
                    "properties": ["a": ["type": "number"], "b": ["type": "number"]],
                    "required": ["a", "b"],
                ],
                outputSchema: ["type": "object", "properties": ["sum": ["type": "number"]], "required": ["sum"]],
                annotations: ToolAnnotations(readOnlyHint: true, idempotentHint: true, openWorldHint: false)
            )
        ) { arguments, _ in
            let a = arguments.double("a") ?? 0
            let b = arguments.double("b") ?? 0
            let sum: JSONValue =
                (arguments["a"]?.intValue != nil && arguments["b"]?.intValue != nil)
                ? .int(Int(a) + Int(b)) : .double(a + b)
            return CallToolResult(content: [.text(sum.serializedString())], structuredContent: ["sum": sum])
        }

        server.addTool(
            Tool(
                name: "sleep",
                description: "Waits, reporting progress, then returns. Cancellable.",
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "ms": ["type": "integer", "minimum": 0, "maximum": 3_600_000],
                        "steps": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 5],
                    ],
                    "required": ["ms"],
                ],
                annotations: ToolAnnotations(readOnlyHint: true, idempotentHint: true, openWorldHint: false)
            )
        ) { arguments, context in
            let total = arguments.int("ms") ?? 0
            let steps = max(1, arguments.int("steps") ?? 5)
            for step in 1...steps {
                try await Task.sleep(for: .milliseconds(total / steps))
                await context.reportProgress(Double(step), total: Double(steps), message: "step \(step) of \(steps)")
            }
            await context.log(.info, .string("slept \(total) ms"), logger: "sleep")
            return CallToolResult(content: [.text("slept \(total) ms")])
        }

        server.addTool(
            Tool(
                name: "fail",
                description: "Always fails, as a tool error the model can see.",
                inputSchema: ["type": "object", "properties": ["message": ["type": "string"]]],
                annotations: ToolAnnotations(readOnlyHint: true, idempotentHint: true, openWorldHint: false)
            )
        ) { arguments, _ in
            CallToolResult(content: [.text(arguments.string("message") ?? "the demo tool failed, as asked")], isError: true)
        }

        server.addTool(
            Tool(
                name: "stats",
                description: "Summary statistics of a list of numbers, as structured output.",
                inputSchema: [
                    "type": "object",
                    "properties": ["numbers": ["type": "array", "items": ["type": "number"], "minItems": 1]],
                    "required": ["numbers"],
                ],
                outputSchema: [
                    "type": "object",
                    "properties": [
                        "count": ["type": "integer"], "sum": ["type": "number"], "mean": ["type": "number"],
                        "min": ["type": "number"], "max": ["type": "number"],
                    ],
                    "required": ["count", "sum", "mean", "min", "max"],
                ],
                annotations: ToolAnnotations(readOnlyHint: true, idempotentHint: true, openWorldHint: false)
            )
        ) { arguments, _ in
            let numbers = (arguments.array("numbers") ?? []).compactMap(\.doubleValue)
            guard !numbers.isEmpty else {
                return CallToolResult(content: [.text("numbers must not be empty")], isError: true)
            }
            let sum = numbers.reduce(0, +)
            let structured: JSONValue = [
                "count": .int(numbers.count), "sum": .double(sum), "mean": .double(sum / Double(numbers.count)),
                "min": .double(numbers.min()!), "max": .double(numbers.max()!),
            ]
            return CallToolResult(content: [.text(structured.serializedString())], structuredContent: structured)
        }

        server.addTool(
            Tool(
                name: "confirm_action",
                description: "Asks the user to confirm an action (elicitation), then reports the answer.",
                inputSchema: [
                    "type": "object", "properties": ["action": ["type": "string"]], "required": ["action"],
                ],
                annotations: ToolAnnotations(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)
            )
        ) { arguments, context in
            let action = arguments.string("action") ?? "the action"
            // The state proves on retry that the answer belongs to this question.
            let state = "confirm:" + Base64.encode(Array(action.utf8))
            if let echoed = context.requestState, echoed != state {
                throw ServerError.invalidParams("requestState does not belong to this request")
            }
            let answer = try await context.elicit(
                ElicitParams(
                    message: "Do you want to \(action)?",
                    requestedSchema: [
                        "type": "object",
                        "properties": ["confirm": ["type": "boolean", "title": "Confirm"]],
                        "required": ["confirm"],
                    ]
                ),
                key: "confirm",
                requestState: state
            )
            switch answer.action {
            case .accept where answer.content?.bool("confirm") == true:
                return CallToolResult(content: [.text("confirmed: \(action)")])
            case .accept, .decline:
                return CallToolResult(content: [.text("declined: \(action)")])
            case .cancel:
                return CallToolResult(content: [.text("cancelled: \(action)")], isError: true)
            }
        }

        server.addTool(
            Tool(
                name: "ask_model",
                description: "Asks the client's model a question (sampling) and returns the reply.",
                inputSchema: [
                    "type": "object", "properties": ["question": ["type": "string"]], "required": ["question"],
                ],
                annotations: ToolAnnotations(readOnlyHint: true, openWorldHint: true)
            )
        ) { arguments, context in
            let reply = try await context.sample(
                CreateMessageParams(
                    messages: [SamplingMessage(role: "user", content: .text(arguments.string("question") ?? ""))],
                    maxTokens: 200
                ),
                key: "answer"
            )
            let text = reply.content.compactMap(\.text).joined(separator: "\n")
            return CallToolResult(content: [.text("\(reply.model): \(text)")])
        }

        server.addTool(
            Tool(
                name: "increment",
                description: "Adds to the counter in demo://counter and notifies subscribers.",
                inputSchema: ["type": "object", "properties": ["by": ["type": "integer", "default": 1]]],
                annotations: ToolAnnotations(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)
            )
        ) { [server] arguments, _ in
            let value = counter.add(arguments.int("by") ?? 1)
            server.resourceUpdated("demo://counter")
            return CallToolResult(content: [.text(String(value))], structuredContent: ["value": .int(value)])
        }
    }

    static func addResources(to server: Server, counter: Counter) {
        server.addResource(
            Resource(uri: "demo://readme", name: "readme", title: "About this server", mimeType: "text/markdown")
        ) { uri, _ in
            [ResourceContents(uri: uri, text: readme, mimeType: "text/markdown")]
        }
        server.addResource(Resource(uri: "demo://counter", name: "counter", description: "Changed by the increment tool", mimeType: "text/plain")) {
            uri,
            _ in
            [ResourceContents(uri: uri, text: String(counter.value), mimeType: "text/plain")]
        }
        let names = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"]
        server.addResourceTemplate(
            ResourceTemplate(uriTemplate: "demo://greeting/{name}", name: "greeting", description: "A greeting for anyone", mimeType: "text/plain"),
            completer: { _, value, _ in names.filter { $0.lowercased().hasPrefix(value.lowercased()) } }
        ) { uri, variables, _ in
            [ResourceContents(uri: uri, text: "Hello, \(variables["name"] ?? "stranger")!", mimeType: "text/plain")]
        }
    }

    static func addPrompts(to server: Server) {
        let styles = ["brief", "detailed", "bullet-points"]
        server.addPrompt(
            Prompt(
                name: "summarize",
                title: "Summarize a text",
                description: "Asks the model to summarize text in a given style.",
                arguments: [
                    PromptArgument(name: "text", description: "The text to summarize", required: true),
                    PromptArgument(name: "style", description: "brief, detailed or bullet-points", required: false),
                ]
            ),
            completer: { argument, value, _ in argument == "style" ? styles.filter { $0.hasPrefix(value) } : [] }
        ) { arguments, _ in
            let style = arguments["style"] ?? "brief"
            return GetPromptResult(
                description: "Summarize (\(style))",
                messages: [
                    PromptMessage(role: "user", content: .text("Summarize the following text in a \(style) style:\n\n\(arguments["text"] ?? "")"))
                ]
            )
        }
    }

    static let readme = """
        # Switchboard demo server

        This server exists to be talked to. It has a tool of every kind (plain, structured,
        slow with progress, failing, elicitation, sampling), two resources, a resource
        template and a prompt. Everything is in memory and fast.
        """
}

/// The demo's shared counter.
final class Counter: Sendable {
    private let storage = Mutex(0)
    var value: Int { storage.withLock { $0 } }
    func add(_ amount: Int) -> Int {
        storage.withLock { count in
            count += amount
            return count
        }
    }
}
