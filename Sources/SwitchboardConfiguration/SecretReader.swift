import JSONCore

/// Reads a secret's value from its source in the configuration: a string (with variables),
/// `{"env": NAME}` or `{"file": path}` (relative to the file's folder, trailing newlines
/// dropped). Errors name `owner` and what the secret is for.
struct SecretReader {
    let expansion: VariableExpansion
    let file: String
    /// How messages start: `server "github": `, `gateway: `.
    let owner: String

    func read(_ source: JSONValue, at pointer: String, _ what: String, _ context: inout Context) -> String? {
        switch source {
        case .string(let text):
            do { return try expansion.expand(text) } catch {
                context.error(pointer, owner + error.message)
                return nil
            }
        case .object(let object):
            if let variable = object["env"]?.stringValue, object.count == 1 {
                guard let value = expansion.environment[variable], !value.isEmpty else {
                    context.error(pointer, owner + "\(what) comes from the variable \(variable), which is not set")
                    return nil
                }
                return value
            }
            if let path = object["file"]?.stringValue, object.count == 1 {
                let full = TextFile.absolute(path, from: ConfigurationReader.workspaceFolder(of: file))
                do {
                    let text = try TextFile.read(full)
                    return String(text.reversed().drop { $0 == "\n" || $0 == "\r" }.reversed())
                } catch {
                    context.error(pointer, owner + "\(what) comes from the file \(full), which cannot be read: \(error.reason)")
                    return nil
                }
            }
            context.error(pointer, owner + "\(what) must be a string, {\"env\": \"NAME\"} or {\"file\": \"path\"}")
            return nil
        default:
            context.error(pointer, owner + "\(what) must be a string, {\"env\": \"NAME\"} or {\"file\": \"path\"}, not \(source.typeName)")
            return nil
        }
    }
}
