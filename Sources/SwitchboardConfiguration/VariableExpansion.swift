/// Expands variables in configuration strings, in every spelling the common config files use:
///
/// - `${VAR}` and `${VAR:-default}` (Claude Code's `.mcp.json`, shells);
/// - `${env:VAR}` (VS Code, Cursor);
/// - `${input:id}` (VS Code's prompted inputs): a command line cannot prompt, so the value comes
///   from the environment variable `SWITCHBOARD_INPUT_<ID>` (upper case, other characters `_`);
/// - `${workspaceFolder}`, `${workspaceFolderBasename}`, `${userHome}`, `${pathSeparator}`;
/// - `$${` for a literal `${`.
///
/// A variable that is not set and has no default is an error naming it, never an empty string.
public struct VariableExpansion: Sendable {
    public var environment: [String: String]
    /// The folder `${workspaceFolder}` means: the config file's folder (or its parent, for a file in `.vscode/`).
    public var workspaceFolder: String
    /// VS Code input ids with their descriptions, for the message when one has no value.
    public var inputs: [String: String]

    public init(environment: [String: String], workspaceFolder: String, inputs: [String: String] = [:]) {
        self.environment = environment
        self.workspaceFolder = workspaceFolder
        self.inputs = inputs
    }

    /// Why a string could not be expanded.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
    }

    /// The environment variable that answers `${input:id}`.
    public static func inputVariable(_ id: String) -> String {
        "SWITCHBOARD_INPUT_" + String(id.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Whether `text` refers to any variable (so its expanded value may hold a secret).
    public static func hasVariables(_ text: String) -> Bool { text.contains("${") }

    /// `text` with every variable replaced.
    public func expand(_ text: String) throws(Problem) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let after = rest[dollar...].dropFirst()
            if after.hasPrefix("${") {
                // `$${` is a literal `${`.
                output += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.first == "{" else {
                output.append("$")
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: "}") else {
                throw Problem(message: "\"${\" without a closing \"}\" in \"\(text)\"")
            }
            output += try value(of: String(after[after.index(after: after.startIndex)..<close]))
            rest = after[after.index(after: close)...]
        }
        output += rest
        return output
    }

    private func value(of reference: String) throws(Problem) -> String {
        switch reference {
        case "workspaceFolder": return workspaceFolder
        case "workspaceFolderBasename": return String(workspaceFolder.split(separator: "/").last ?? "")
        case "userHome":
            guard let home = environment["HOME"] else { throw Problem(message: "${userHome} is used but HOME is not set") }
            return home
        case "pathSeparator", "/": return "/"
        default: break
        }
        if reference.hasPrefix("input:") {
            let id = String(reference.dropFirst("input:".count))
            let variable = Self.inputVariable(id)
            if let value = environment[variable] { return value }
            let described = inputs[id].map { " (\($0))" } ?? ""
            throw Problem(message: "${input:\(id)}\(described) has no value: set \(variable) in the environment")
        }
        var name = Substring(reference)
        if name.hasPrefix("env:") { name = name.dropFirst(4) }
        var fallback: Substring?
        if let marker = name.firstRange(of: ":-") {
            fallback = name[marker.upperBound...]
            name = name[..<marker.lowerBound]
        }
        guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
            throw Problem(message: "\"${\(reference)}\" is not a variable name")
        }
        if let value = environment[String(name)], !(value.isEmpty && fallback != nil) { return value }
        if let fallback { return String(fallback) }
        throw Problem(message: "the variable \(name) is not set (write ${\(name):-default} to give a default)")
    }
}
