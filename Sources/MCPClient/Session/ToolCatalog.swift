import JSONCore
import JSONSchema
import Logging
import MCPTransport
import MCPWire
import Synchronization

/// The tools a session has seen, with their schemas compiled once.
///
/// Filled by `tools/list` and emptied by `notifications/tools/list_changed`, so argument
/// validation always uses the server's current definitions.
final class ToolCatalog: Sendable {
    struct Entry: Sendable {
        var tool: Tool
        var input: Result<SchemaValidator, SchemaError>
        var output: Result<SchemaValidator, SchemaError>?
        /// `x-mcp-header` annotations: header name and the property path to read.
        var headerParameters: [(header: String, path: [String])]
    }

    private let state = Mutex<(entries: [String: Entry], complete: Bool)>(([:], false))

    func invalidate() {
        state.withLock { $0 = ([:], false) }
    }

    /// Records a page of tools; `complete` once the last page is in.
    func record(_ tools: [Tool], complete: Bool, replacing: Bool) {
        var entries: [String: Entry] = [:]
        for tool in tools {
            let input = Result { () throws(SchemaError) in try SchemaValidator(schema: tool.inputSchema) }
            let output = tool.outputSchema.map { schema in
                Result { () throws(SchemaError) in try SchemaValidator(schema: schema) }
            }
            let headers = (try? HeaderParameters.extract(from: tool.inputSchema)) ?? []
            entries[tool.name] = Entry(tool: tool, input: input, output: output, headerParameters: headers)
        }
        state.withLock { state in
            if replacing { state.entries = [:] }
            state.entries.merge(entries) { _, new in new }
            state.complete = complete
        }
    }

    func entry(_ name: String) -> Entry? { state.withLock { $0.entries[name] } }
    var isComplete: Bool { state.withLock { $0.complete } }
}
