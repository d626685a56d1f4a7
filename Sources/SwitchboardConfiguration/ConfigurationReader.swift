import JSONCore
import MCPTransport
import MCPWire

/// Turns a parsed configuration document into a ``SwitchboardConfiguration``, checking
/// everything and collecting every problem (with its line) rather than stopping at the first.
public struct ConfigurationReader: Sendable {
    /// The environment variables expand from.
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Keys of a server entry in the common shapes.
    static let serverKeys: Set<String> = [
        "command", "args", "env", "cwd", "envFile", "url", "headers", "type", "switchboard", "disabled",
        // Other clients' spellings that mean the same: Windsurf's serverUrl, Gemini CLI's httpUrl,
        // Cline's transportType, Gemini CLI's includeTools/excludeTools.
        "serverUrl", "httpUrl", "transportType", "includeTools", "excludeTools",
    ]
    /// Keys other clients put in a server entry that mean nothing to Switchboard: accepted quietly.
    static let foreignServerKeys: Set<String> = [
        "autoApprove", "alwaysAllow", "timeout", "description", "name", "enabled", "trust", "oauth", "dev",
        "gallery", "version", "icon", "networkTimeout", "env_file",
    ]
    /// Per-server keys under `"switchboard"`.
    static let settingKeys: Set<String> = [
        "interceptors", "trustAnnotations", "timeoutSeconds", "allowTools", "denyTools", "safeTools", "protocolVersion",
        "balancing", "health", "restart", "oauth",
    ]
    static let serverOnlySettingKeys: Set<String> = ["replicas", "bearerToken", "headers"]
    static let topLevelSettingKeys: Set<String> = ["separator", "tokenStore"]
    static let topLevelKeys: Set<String> = ["mcpServers", "servers", "inputs", "switchboard", "gateway", "$schema", "mcp"]

    /// Reads `document` (from `file`) into a configuration, or throws every error found.
    public func read(_ document: ConfigurationDocument, file: String) throws(ConfigError) -> SwitchboardConfiguration {
        var context = Context(file: file, document: document)
        let configuration = readRoot(&context)
        if context.diagnostics.contains(where: { $0.severity == .error }) {
            throw ConfigError(diagnostics: context.diagnostics)
        }
        var result = configuration
        result.warnings = context.diagnostics
        return result
    }

    // MARK: - The whole file

    private func readRoot(_ context: inout Context) -> SwitchboardConfiguration {
        var configuration = SwitchboardConfiguration(file: context.file, servers: [])
        guard case .object(var root) = context.document.root else {
            context.error("", "the file must hold an object with \"mcpServers\" (or VS Code's \"servers\"), not \(context.document.root.typeName)")
            return configuration
        }
        var base = ""
        // VS Code's settings.json keeps its servers under "mcp".
        if root["mcpServers"] == nil && root["servers"] == nil, case .object(let nested)? = root["mcp"] {
            root = nested
            base = "/mcp"
        }
        for key in root.keys where !Self.topLevelKeys.contains(key) {
            context.unknownKey(base + "/" + JSONPointer.escape(key), key, known: Self.topLevelKeys, what: "top-level key")
        }
        if root["interceptors"] != nil {
            context.error(base + "/interceptors", "\"interceptors\" belongs under \"switchboard\": {\"switchboard\": {\"interceptors\": [...]}}")
        }
        var inputs: [String: String] = [:]
        if let value = root["inputs"] {
            for (index, input) in (context.array(value, at: base + "/inputs", "\"inputs\"") ?? []).enumerated() {
                guard let id = input["id"]?.stringValue else {
                    context.error(base + "/inputs/\(index)", "each input needs a string \"id\"")
                    continue
                }
                inputs[id] = input["description"]?.stringValue ?? ""
            }
        }
        if let settings = root["switchboard"] {
            readTopLevelSettings(settings, at: base + "/switchboard", into: &configuration, &context)
        }
        if let gateway = root["gateway"] {
            let expansion = VariableExpansion(environment: environment, workspaceFolder: Self.workspaceFolder(of: context.file), inputs: inputs)
            let secrets = SecretReader(expansion: expansion, file: context.file, owner: "gateway: ")
            configuration.gateway = Self.readGateway(gateway, at: base + "/gateway", secrets: secrets, &context)
        }
        let key: String
        switch (root["mcpServers"], root["servers"]) {
        case (_?, _?):
            context.error(base + "/servers", "the file has both \"mcpServers\" and \"servers\"; keep one")
            return configuration
        case (_?, nil): key = "mcpServers"
        case (nil, _?): key = "servers"
        case (nil, nil):
            context.error(base.isEmpty ? "" : base, "no \"mcpServers\" object (VS Code files call it \"servers\")")
            return configuration
        }
        let serversPointer = base + "/" + key
        guard case .object(let servers)? = root[key] else {
            context.error(serversPointer, "\"\(key)\" must be an object of servers by name, not \(root[key]?.typeName ?? "nothing")")
            return configuration
        }
        for duplicate in context.document.duplicates where duplicate.pointer.hasPrefix(serversPointer + "/") {
            let rest = duplicate.pointer.dropFirst(serversPointer.count + 1)
            guard !rest.contains("/") else { continue }
            let first = context.document.locate(duplicate.pointer).map { " (first at line \($0.line))" } ?? ""
            context.diagnostics.append(
                ConfigDiagnostic(
                    .error,
                    file: context.file,
                    location: duplicate.location,
                    pointer: duplicate.pointer,
                    message: "server \"\(JSONPointer.unescape(rest))\" is defined twice\(first)"
                )
            )
        }
        let workspace = Self.workspaceFolder(of: context.file)
        for (name, value) in servers {
            let pointer = serversPointer + "/" + JSONPointer.escape(name)
            if name.isEmpty {
                context.error(pointer, "a server needs a non-empty name")
                continue
            }
            if name.contains(configuration.separator) {
                context.error(
                    pointer,
                    "server \"\(name)\": its name contains the separator \"\(configuration.separator)\", so qualified tool names would be ambiguous"
                )
            }
            guard case .object(let entry) = value else {
                context.error(pointer, "server \"\(name)\" must be an object, not \(value.typeName)")
                continue
            }
            let expansion = VariableExpansion(environment: environment, workspaceFolder: workspace, inputs: inputs)
            var server = ServerReader(name: name, pointer: pointer, entry: entry, expansion: expansion, file: context.file)
            if let definition = server.read(&context) { configuration.servers.append(definition) }
        }
        return configuration
    }

    private func readTopLevelSettings(
        _ value: JSONValue,
        at pointer: String,
        into configuration: inout SwitchboardConfiguration,
        _ context: inout Context
    ) {
        guard case .object(let object) = value else {
            context.error(pointer, "\"switchboard\" must be an object, not \(value.typeName)")
            return
        }
        let known = Self.settingKeys.union(Self.topLevelSettingKeys)
        for key in object.keys where !known.contains(key) {
            let note = Self.serverOnlySettingKeys.contains(key) ? "; it is a per-server setting" : ""
            context.unknownKey(pointer + "/" + JSONPointer.escape(key), key, known: known, what: "setting", strict: true, note: note)
        }
        if let separator = object["separator"] {
            if let text = context.string(separator, at: pointer + "/separator", "\"separator\"") {
                if text.isEmpty || !text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-./".contains($0)) }) {
                    context.error(
                        pointer + "/separator",
                        "\"separator\" must be one or more of A-Z a-z 0-9 _ - . / (the characters a tool name may use), not \"\(text)\""
                    )
                } else {
                    configuration.separator = text
                }
            }
        }
        if let value = object["tokenStore"], let text = context.string(value, at: pointer + "/tokenStore", "\"tokenStore\"") {
            if let kind = TokenStoreKind(rawValue: text) {
                configuration.tokenStore = kind
            } else {
                let names = TokenStoreKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
                context.error(pointer + "/tokenStore", "\"tokenStore\" must be \(names), not \"\(text)\"")
            }
        }
        configuration.defaults = Self.readSettings(object, at: pointer, where: "", &context)
        if let value = object["oauth"] {
            configuration.defaults.oauth = Self.readOAuth(value, at: pointer + "/oauth", owner: "", secret: nil, &context)
        }
    }

    /// The settings common to the top level and to a server.
    static func readSettings(_ object: JSONObject, at pointer: String, where owner: String, _ context: inout Context) -> ServerSettings {
        var settings = ServerSettings()
        func at(_ key: String) -> String { pointer + "/" + key }
        if let value = object["interceptors"] {
            if case .array(let items) = value {
                settings.interceptors = items
                settings.interceptorsLocation = context.document.locate(at("interceptors"))
            } else {
                context.error(at("interceptors"), "\(owner)\"interceptors\" must be an array of names or objects, not \(value.typeName)")
            }
        }
        if let value = object["trustAnnotations"] {
            settings.trustAnnotations = context.bool(value, at: at("trustAnnotations"), "\(owner)\"trustAnnotations\"")
        }
        if let value = object["timeoutSeconds"] {
            settings.timeoutSeconds = context.number(value, at: at("timeoutSeconds"), "\(owner)\"timeoutSeconds\"", in: 0.001...86_400)
        }
        if let value = object["allowTools"] { settings.allowTools = context.strings(value, at: at("allowTools"), "\(owner)\"allowTools\"") }
        if let value = object["denyTools"] { settings.denyTools = context.strings(value, at: at("denyTools"), "\(owner)\"denyTools\"") }
        if let value = object["safeTools"] { settings.safeTools = context.strings(value, at: at("safeTools"), "\(owner)\"safeTools\"") }
        if let value = object["protocolVersion"], let version = context.string(value, at: at("protocolVersion"), "\(owner)\"protocolVersion\"") {
            if ProtocolVersion(version).isKnown {
                settings.protocolVersion = version
            } else {
                let known = ProtocolVersion.supported.map(\.rawValue)
                context.error(at("protocolVersion"), "\(owner)unknown protocol version \"\(version)\"; use one of \(known.joined(separator: ", "))")
            }
        }
        if let value = object["balancing"], let name = context.string(value, at: at("balancing"), "\(owner)\"balancing\"") {
            let aliases: [String: ServerSettings.Balancing] = [
                "power-of-two-choices": .powerOfTwoChoices, "round_robin": .roundRobin, "roundRobin": .roundRobin,
                "least_outstanding": .leastOutstanding, "leastOutstanding": .leastOutstanding,
            ]
            if let balancing = ServerSettings.Balancing(rawValue: name) ?? aliases[name] {
                settings.balancing = balancing
            } else {
                let names = ServerSettings.Balancing.allCases.map(\.rawValue)
                let hint = Suggestion.closest(to: name, in: names + aliases.keys).map { "; did you mean \"\($0)\"?" } ?? ""
                context.error(at("balancing"), "\(owner)unknown balancing \"\(name)\"\(hint) (use \(names.joined(separator: ", ")))")
            }
        }
        if let value = object["health"] { settings.health = readHealth(value, at: at("health"), owner, &context) }
        if let value = object["restart"] { settings.restart = readRestart(value, at: at("restart"), owner, &context) }
        return settings
    }

    static func readHealth(_ value: JSONValue, at pointer: String, _ owner: String, _ context: inout Context) -> HealthSettings? {
        let known: Set<String> = ["intervalSeconds", "timeoutSeconds", "ejectAfterFailures", "cooldownSeconds"]
        guard let object = context.group(value, at: pointer, owner + "\"health\"", known: known, expected: "an object") else { return nil }
        var fields = GroupReader(object: object, pointer: pointer, label: owner + "\"health.", value: HealthSettings())
        fields.read("intervalSeconds", in: 0...86_400, \.intervalSeconds, &context)
        fields.read("timeoutSeconds", in: 0.001...3600, \.timeoutSeconds, &context)
        fields.read("ejectAfterFailures", in: 1...1000, \.ejectAfterFailures, &context)
        fields.read("cooldownSeconds", in: 0...86_400, \.cooldownSeconds, &context)
        return fields.value
    }

    static func readRestart(_ value: JSONValue, at pointer: String, _ owner: String, _ context: inout Context) -> RestartSettings? {
        if let flag = value.boolValue { return RestartSettings(enabled: flag) }
        let known: Set<String> = ["maxRestarts", "windowSeconds", "initialBackoffSeconds", "maxBackoffSeconds"]
        guard let object = context.group(value, at: pointer, owner + "\"restart\"", known: known, expected: "true, false or an object") else {
            return nil
        }
        var fields = GroupReader(object: object, pointer: pointer, label: owner + "\"restart.", value: RestartSettings())
        fields.read("maxRestarts", in: 0...10_000, \.maxRestarts, &context)
        fields.read("windowSeconds", in: 0.001...86_400, \.windowSeconds, &context)
        fields.read("initialBackoffSeconds", in: 0...3600, \.initialBackoffSeconds, &context)
        fields.read("maxBackoffSeconds", in: 0...3600, \.maxBackoffSeconds, &context)
        return fields.value
    }

    /// The folder `${workspaceFolder}` names: the config file's, or its parent for `.vscode/` and `.cursor/`.
    static func workspaceFolder(of file: String) -> String {
        let directory = TextFile.directory(of: TextFile.absolute(file, from: TextFile.currentDirectory))
        if directory.hasSuffix("/.vscode") || directory.hasSuffix("/.cursor") { return TextFile.directory(of: directory) }
        return directory
    }
}

/// Reads the members of one settings group into a value, each checked against its range.
struct GroupReader<Value> {
    let object: JSONObject
    let pointer: String
    /// The start of each member's name in messages: `server "a": "health.`.
    let label: String
    var value: Value

    mutating func read(_ key: String, in range: ClosedRange<Double>, _ path: WritableKeyPath<Value, Double>, _ context: inout Context) {
        guard let item = object[key], let number = context.number(item, at: pointer + "/" + key, label + key + "\"", in: range) else { return }
        value[keyPath: path] = number
    }

    mutating func read(_ key: String, in range: ClosedRange<Int>, _ path: WritableKeyPath<Value, Int>, _ context: inout Context) {
        guard let item = object[key], let number = context.int(item, at: pointer + "/" + key, label + key + "\"", in: range) else { return }
        value[keyPath: path] = number
    }
}

/// Collects diagnostics while reading, with typed reads that report a wrong type at its line.
struct Context {
    let file: String
    let document: ConfigurationDocument
    var diagnostics: [ConfigDiagnostic] = []

    init(file: String, document: ConfigurationDocument) {
        self.file = file
        self.document = document
    }

    mutating func report(_ severity: ConfigDiagnostic.Severity, _ pointer: String, _ message: String) {
        diagnostics.append(ConfigDiagnostic(severity, file: file, location: document.locate(pointer), pointer: pointer, message: message))
    }

    mutating func error(_ pointer: String, _ message: String) { report(.error, pointer, message) }
    mutating func warning(_ pointer: String, _ message: String) { report(.warning, pointer, message) }

    /// An unknown key: an error when it is a likely typo of a known one (or `strict`), a warning otherwise.
    mutating func unknownKey(
        _ pointer: String,
        _ key: String,
        known: Set<String>,
        what: String,
        strict: Bool = false,
        prefix: String = "",
        note: String = ""
    ) {
        if let guess = Suggestion.closest(to: key, in: known) {
            error(pointer, "\(prefix)unknown \(what) \"\(key)\"; did you mean \"\(guess)\"?\(note)")
        } else if strict {
            error(pointer, "\(prefix)unknown \(what) \"\(key)\"\(note); known: \(known.sorted().joined(separator: ", "))")
        } else {
            warning(pointer, "\(prefix)unknown \(what) \"\(key)\" is ignored\(note)")
        }
    }

    /// A group of settings (`"health"`, `"restart"`): an object whose every key is known.
    mutating func group(_ value: JSONValue, at pointer: String, _ name: String, known: Set<String>, expected: String) -> JSONObject? {
        guard case .object(let object) = value else {
            error(pointer, "\(name) must be \(expected), not \(value.typeName)")
            return nil
        }
        for key in object.keys where !known.contains(key) {
            unknownKey(pointer + "/" + JSONPointer.escape(key), key, known: known, what: "key in \(name)", strict: true)
        }
        return object
    }

    mutating func string(_ value: JSONValue, at pointer: String, _ name: String) -> String? {
        if let text = value.stringValue { return text }
        error(pointer, "\(name) must be a string, not \(value.typeName)")
        return nil
    }

    mutating func bool(_ value: JSONValue, at pointer: String, _ name: String) -> Bool? {
        if let flag = value.boolValue { return flag }
        error(pointer, "\(name) must be true or false, not \(value.typeName)")
        return nil
    }

    mutating func number(_ value: JSONValue, at pointer: String, _ name: String, in range: ClosedRange<Double>) -> Double? {
        guard let number = value.doubleValue else {
            error(pointer, "\(name) must be a number, not \(value.typeName)")
            return nil
        }
        guard range.contains(number) else {
            error(
                pointer,
                "\(name) must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)), not \(Self.format(number))"
            )
            return nil
        }
        return number
    }

    mutating func int(_ value: JSONValue, at pointer: String, _ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let number = value.intValue else {
            error(pointer, "\(name) must be a whole number, not \(value.typeName)")
            return nil
        }
        guard range.contains(number) else {
            error(pointer, "\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
            return nil
        }
        return number
    }

    mutating func strings(_ value: JSONValue, at pointer: String, _ name: String) -> [String]? {
        guard case .array(let items) = value else {
            error(pointer, "\(name) must be an array of strings, not \(value.typeName)")
            return nil
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else {
                error(pointer + "/\(index)", "\(name) must be an array of strings; item \(index) is \(item.typeName)")
                return nil
            }
            result.append(text)
        }
        return result
    }

    mutating func array(_ value: JSONValue, at pointer: String, _ name: String) -> [JSONValue]? {
        if case .array(let items) = value { return items }
        error(pointer, "\(name) must be an array, not \(value.typeName)")
        return nil
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
