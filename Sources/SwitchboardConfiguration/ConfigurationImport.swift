public import JSONCore

/// Converts another client's MCP configuration (Claude Desktop, Cursor, Claude Code's
/// `.mcp.json`, VS Code's `mcp.json` or `settings.json`, Windsurf, Cline, Gemini CLI) into
/// Switchboard's file: the common `mcpServers` shape plus `"switchboard"` settings.
///
/// Variable references are kept, not expanded (a secret stays in the environment, not in the
/// new file); spellings that only one client understands are rewritten to the common ones.
public enum ConfigurationImport {
    /// Where well-known clients keep their configuration, by the name `--from` takes.
    public static func knownLocations(home: String, workspace: String) -> [(client: String, path: String)] {
        [
            ("claude", home + "/.config/Claude/claude_desktop_config.json"),
            ("claude-code", workspace + "/.mcp.json"),
            ("cursor", workspace + "/.cursor/mcp.json"),
            ("cursor", home + "/.cursor/mcp.json"),
            ("vscode", workspace + "/.vscode/mcp.json"),
            ("vscode", home + "/.config/Code/User/mcp.json"),
            ("vscode", home + "/.config/Code/User/settings.json"),
            ("windsurf", home + "/.codeium/windsurf/mcp_config.json"),
            ("gemini", home + "/.gemini/settings.json"),
        ]
    }

    /// The converted file and what was left behind, each a sentence for the user.
    public struct Result: Sendable {
        public var configuration: JSONValue
        public var notes: [String]
    }

    /// Converts a parsed configuration document.
    public static func convert(_ root: JSONValue) throws(ConfigError) -> Result {
        guard case .object(var object) = root else {
            throw ConfigError(file: "", message: "the file must hold an object, not \(root.typeName)")
        }
        var notes: [String] = []
        if object["mcpServers"] == nil && object["servers"] == nil, case .object(let nested)? = object["mcp"] {
            object = nested
        }
        guard case .object(let servers)? = object["mcpServers"] ?? object["servers"] else {
            throw ConfigError(file: "", message: "no \"mcpServers\" (or VS Code \"servers\") object to import")
        }
        for key in object.keys where !["mcpServers", "servers", "inputs", "switchboard", "mcp", "$schema"].contains(key) {
            notes.append("left out the top-level \"\(key)\" (not about MCP servers)")
        }
        var inputs: [String] = []
        for input in object["inputs"]?.arrayValue ?? [] {
            if let id = input["id"]?.stringValue { inputs.append(id) }
        }
        for id in inputs {
            notes.append("VS Code would prompt for ${input:\(id)}; set \(VariableExpansion.inputVariable(id)) in the environment instead")
        }
        var converted = JSONObject()
        for (name, value) in servers {
            guard case .object(let server) = value else {
                notes.append("left out server \"\(name)\": not an object")
                continue
            }
            converted[name] = .object(convertServer(name, server, &notes))
        }
        var result: JSONObject = ["mcpServers": .object(converted)]
        if let settings = object["switchboard"] { result["switchboard"] = settings }
        return Result(configuration: .object(result), notes: notes)
    }

    private static func convertServer(_ name: String, _ server: JSONObject, _ notes: inout [String]) -> JSONObject {
        var out = JSONObject()
        var settings = server["switchboard"]?.objectValue ?? JSONObject()
        for (key, value) in server {
            switch key {
            case "command", "args", "env", "cwd", "envFile", "headers", "disabled":
                out[key] = rewriteVariables(value)
            case "url", "serverUrl", "httpUrl":
                out["url"] = rewriteVariables(value)
            case "type", "transportType":
                // "stdio" is implied by "command"; "http" and its spellings by "url".
                if let type = value.stringValue, type == "sse" { out["type"] = "sse" }
            case "enabled":
                if value.boolValue == false { out["disabled"] = true }
            case "includeTools":
                if settings["allowTools"] == nil { settings["allowTools"] = value }
            case "excludeTools":
                if settings["denyTools"] == nil { settings["denyTools"] = value }
            case "switchboard":
                break
            default:
                notes.append("left out \"\(key)\" of server \"\(name)\" (Switchboard has no such setting)")
            }
        }
        if !settings.isEmpty { out["switchboard"] = .object(settings) }
        return out
    }

    /// `${env:X}` becomes `${X}` and `${input:id}` the variable that answers it; the rest stays.
    static func rewriteVariables(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            guard text.contains("${env:") || text.contains("${input:") else { return value }
            var output = ""
            var rest = Substring(text)
            while let start = rest.firstRange(of: "${") {
                output += rest[..<start.lowerBound]
                guard let close = rest[start.upperBound...].firstIndex(of: "}") else { break }
                let reference = rest[start.upperBound..<close]
                if reference.hasPrefix("env:") {
                    output += "${" + reference.dropFirst(4) + "}"
                } else if reference.hasPrefix("input:") {
                    output += "${" + VariableExpansion.inputVariable(String(reference.dropFirst(6))) + "}"
                } else {
                    output += "${" + reference + "}"
                }
                rest = rest[rest.index(after: close)...]
            }
            return .string(output + rest)
        case .array(let items): return .array(items.map(rewriteVariables))
        case .object(let object):
            var out = JSONObject()
            for (key, item) in object { out[key] = rewriteVariables(item) }
            return .object(out)
        default: return value
        }
    }
}
