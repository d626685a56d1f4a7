import JSONCore
import MCPTransport

/// Reads one server entry: its endpoint (or replicas), with variables expanded, and its settings.
struct ServerReader {
    let name: String
    let pointer: String
    let entry: JSONObject
    var expansion: VariableExpansion
    let file: String

    init(name: String, pointer: String, entry: JSONObject, expansion: VariableExpansion, file: String) {
        self.name = name
        self.pointer = pointer
        self.entry = entry
        self.expansion = expansion
        self.file = file
    }

    var owner: String { "server \"\(name)\": " }

    static let endpointKeys: Set<String> = [
        "command", "args", "env", "cwd", "envFile", "url", "serverUrl", "httpUrl", "headers", "type", "transportType",
    ]
    static let processKeys: Set<String> = ["command", "args", "env", "cwd", "envFile"]
    static let urlKeys: Set<String> = ["url", "serverUrl", "httpUrl", "headers", "type", "transportType"]

    mutating func read(_ context: inout Context) -> ServerDefinition? {
        let before = context.diagnostics.count
        for key in entry.keys where !ConfigurationReader.serverKeys.contains(key) && !ConfigurationReader.foreignServerKeys.contains(key) {
            context.unknownKey(pointer + "/" + JSONPointer.escape(key), key, known: ConfigurationReader.serverKeys, what: "key", prefix: owner)
        }
        var disabled = false
        if let value = entry["disabled"], let flag = context.bool(value, at: pointer + "/disabled", owner + "\"disabled\"") { disabled = flag }
        if entry["enabled"]?.boolValue == false { disabled = true }

        // Settings under "switchboard".
        var settings = ServerSettings()
        var replicas: JSONValue?
        var secretHeaders: [(String, String)] = []
        let settingsPointer = pointer + "/switchboard"
        if let value = entry["switchboard"] {
            if case .object(let object) = value {
                let known = ConfigurationReader.settingKeys.union(ConfigurationReader.serverOnlySettingKeys)
                for key in object.keys where !known.contains(key) {
                    let note =
                        ConfigurationReader.topLevelSettingKeys.contains(key) ? "; \"\(key)\" is set once, in the top-level \"switchboard\"" : ""
                    context.unknownKey(
                        settingsPointer + "/" + JSONPointer.escape(key),
                        key,
                        known: known,
                        what: "setting",
                        strict: true,
                        prefix: owner,
                        note: note
                    )
                }
                settings = ConfigurationReader.readSettings(object, at: settingsPointer, where: owner, &context)
                if let value = object["oauth"] {
                    let reader = self
                    settings.oauth = ConfigurationReader.readOAuth(
                        value,
                        at: settingsPointer + "/oauth",
                        owner: owner,
                        secret: { source, at, context in reader.secret(source, at: at, "\"oauth.clientSecret\"", &context) },
                        &context
                    )
                }
                replicas = object["replicas"]
                if let token = object["bearerToken"], let value = secret(token, at: settingsPointer + "/bearerToken", "\"bearerToken\"", &context) {
                    secretHeaders.append(("Authorization", "Bearer " + value))
                }
                if let headers = object["headers"] {
                    if case .object(let map) = headers {
                        for (header, source) in map {
                            let at = settingsPointer + "/headers/" + JSONPointer.escape(header)
                            if let value = secret(source, at: at, "header \"\(header)\"", &context) { secretHeaders.append((header, value)) }
                        }
                    } else {
                        context.error(
                            settingsPointer + "/headers",
                            owner + "\"headers\" must be an object of header names to sources, not \(headers.typeName)"
                        )
                    }
                }
            } else {
                context.error(settingsPointer, owner + "\"switchboard\" must be an object, not \(value.typeName)")
            }
        }
        // Other clients' pre-registered clients (Gemini CLI's and Claude Code's "oauth") mean what
        // ours do, where Switchboard's own say nothing.
        if let value = entry["oauth"], case .object(let foreign) = value {
            settings.oauth = foreignOAuth(foreign, at: pointer + "/oauth", over: settings.oauth, &context)
        }
        // Gemini CLI's tool filters mean what ours do.
        if settings.allowTools == nil, let value = entry["includeTools"] {
            settings.allowTools = context.strings(value, at: pointer + "/includeTools", owner + "\"includeTools\"")
        }
        if settings.denyTools == nil, let value = entry["excludeTools"] {
            settings.denyTools = context.strings(value, at: pointer + "/excludeTools", owner + "\"excludeTools\"")
        }

        // Endpoints: the entry itself, or one per replica.
        var sources: [(object: JSONObject, origins: [String: String], replica: Int?)] = []
        let own = Dictionary(uniqueKeysWithValues: entry.keys.map { ($0, pointer) })
        switch replicas {
        case nil:
            sources = [(entry, own, nil)]
        case .int(let count)?:
            if (1...64).contains(count) {
                sources = (0..<count).map { (entry, own, $0) }
            } else {
                context.error(settingsPointer + "/replicas", owner + "\"replicas\" must be between 1 and 64, not \(count)")
            }
        case .array(let items)?:
            if items.isEmpty || items.count > 64 {
                context.error(settingsPointer + "/replicas", owner + "\"replicas\" must list between 1 and 64 endpoints, not \(items.count)")
            }
            for (index, item) in items.enumerated() {
                let at = settingsPointer + "/replicas/\(index)"
                guard case .object(let override) = item else {
                    context.error(at, owner + "each replica must be an object (\"command\"/\"args\" or \"url\"), not \(item.typeName)")
                    continue
                }
                for key in override.keys where !Self.endpointKeys.contains(key) {
                    context.unknownKey(
                        at + "/" + JSONPointer.escape(key),
                        key,
                        known: Self.endpointKeys,
                        what: "replica key",
                        strict: true,
                        prefix: owner
                    )
                }
                var merged = entry
                var origins = own
                // A replica that names its own command drops the entry's URL, and one with its own URL the command.
                let ownCommand = override["command"] != nil
                let ownURL = ["url", "serverUrl", "httpUrl"].contains { override[$0] != nil }
                let dropped = ownCommand ? Self.urlKeys : ownURL ? Self.processKeys : []
                for key in dropped { _ = merged.removeValue(forKey: key) }
                for (key, value) in override {
                    merged[key] = value
                    origins[key] = at
                }
                sources.append((merged, origins, index))
            }
        case let other?:
            context.error(settingsPointer + "/replicas", owner + "\"replicas\" must be a count or an array of endpoints, not \(other.typeName)")
        }
        var endpoints: [Endpoint] = []
        for source in sources {
            var replicaExpansion = expansion
            if let replica = source.replica { replicaExpansion.environment["REPLICA"] = String(replica) }
            if let endpoint = readEndpoint(source.object, origins: source.origins, expansion: replicaExpansion, &context) {
                endpoints.append(endpoint)
            }
        }
        if !secretHeaders.isEmpty {
            endpoints = endpoints.map { endpoint in
                guard case .http(let url, var headers, let transport) = endpoint else { return endpoint }
                for (header, value) in secretHeaders { headers[header] = value }
                return .http(url: url, headers: headers, transport: transport)
            }
            if endpoints.contains(where: { if case .stdio = $0 { true } else { false } }) {
                context.error(
                    settingsPointer,
                    owner + "\"bearerToken\" and \"headers\" apply to HTTP servers; pass a stdio server its secret in \"env\""
                )
            }
        }
        if settings.oauth != nil, entry["switchboard"]?.objectValue?["oauth"] != nil,
            endpoints.contains(where: { if case .stdio = $0 { true } else { false } })
        {
            context.error(settingsPointer + "/oauth", owner + "\"oauth\" applies to HTTP servers; a stdio server takes its credentials from \"env\"")
        }
        guard context.diagnostics[before...].allSatisfy({ $0.severity != .error }), !endpoints.isEmpty else { return nil }
        return ServerDefinition(name: name, endpoints: endpoints, settings: settings, disabled: disabled)
    }

    /// One endpoint from a server entry (or a replica's entry merged over it).
    private func readEndpoint(_ object: JSONObject, origins: [String: String], expansion: VariableExpansion, _ context: inout Context) -> Endpoint? {
        func at(_ key: String) -> String { (origins[key] ?? pointer) + "/" + key }
        func expand(_ text: String, _ pointer: String, _ context: inout Context) -> String? {
            do { return try expansion.expand(text) } catch {
                context.error(pointer, owner + error.message)
                return nil
            }
        }
        let typeKey = object["type"] != nil ? "type" : "transportType"
        var type: String?
        if let value = object[typeKey] { type = context.string(value, at: at(typeKey), owner + "\"\(typeKey)\"") }
        let urlKey = ["url", "serverUrl", "httpUrl"].first { object[$0] != nil }

        if let command = object["command"] {
            if let urlKey { context.error(at(urlKey), owner + "has both \"command\" and \"\(urlKey)\"; a server is one or the other") }
            if let type, type != "stdio" {
                context.error(at(typeKey), owner + "\"type\" is \"\(type)\" but the server has a \"command\"; use \"stdio\" or drop \"type\"")
            }
            guard let raw = context.string(command, at: at("command"), owner + "\"command\""), let command = expand(raw, at("command"), &context)
            else { return nil }
            guard !command.isEmpty else {
                context.error(at("command"), owner + "\"command\" is empty")
                return nil
            }
            var arguments: [String] = []
            if let value = object["args"], let raw = context.strings(value, at: at("args"), owner + "\"args\"") {
                for (index, argument) in raw.enumerated() {
                    if let expanded = expand(argument, at("args") + "/\(index)", &context) { arguments.append(expanded) }
                }
            }
            var environment: [String: String] = [:]
            if let value = object["envFile"] ?? object["env_file"], let raw = context.string(value, at: at("envFile"), owner + "\"envFile\""),
                let path = expand(raw, at("envFile"), &context)
            {
                let full = TextFile.absolute(path, from: TextFile.directory(of: TextFile.absolute(file, from: TextFile.currentDirectory)))
                do { environment = try DotEnv.parse(TextFile.read(full)) } catch {
                    context.error(at("envFile"), owner + "cannot read \"envFile\" \(full): \(error.reason)")
                }
            }
            if let value = object["env"] {
                if case .object(let map) = value {
                    for (key, item) in map {
                        let itemPointer = at("env") + "/" + JSONPointer.escape(key)
                        // Numbers and booleans are what the author meant as text; other clients accept them too.
                        let text: String?
                        switch item {
                        case .string(let s): text = s
                        case .int, .double, .bool: text = item.serializedString()
                        default:
                            context.error(itemPointer, owner + "\"env\" value \"\(key)\" must be a string, not \(item.typeName)")
                            text = nil
                        }
                        if let text, let expanded = expand(text, itemPointer, &context) { environment[key] = expanded }
                    }
                } else {
                    context.error(at("env"), owner + "\"env\" must be an object of names to values, not \(value.typeName)")
                }
            }
            var directory: String?
            if let value = object["cwd"], let raw = context.string(value, at: at("cwd"), owner + "\"cwd\""),
                let expanded = expand(raw, at("cwd"), &context)
            {
                directory = TextFile.absolute(expanded, from: ConfigurationReader.workspaceFolder(of: file))
            }
            if object["headers"] != nil { context.warning(at("headers"), owner + "\"headers\" is ignored for a stdio server") }
            return .stdio(ProcessConfiguration(command: command, arguments: arguments, environment: environment, workingDirectory: directory))
        }

        guard let urlKey else {
            var hint = ""
            if let near = object.keys.lazy.compactMap({ Suggestion.closest(to: $0, in: ["command", "url"]) }).first {
                hint = " (is \"\(near)\" misspelled?)"
            }
            context.error(pointer, owner + "needs either \"command\" (a stdio server) or \"url\" (an HTTP server)\(hint)")
            return nil
        }
        guard let raw = context.string(object[urlKey]!, at: at(urlKey), owner + "\"\(urlKey)\""), let url = expand(raw, at(urlKey), &context) else {
            return nil
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            context.error(at(urlKey), owner + "\"\(urlKey)\" must start with http:// or https://, not \"\(Redaction.url(url))\"")
            return nil
        }
        let transport: HTTPTransportChoice
        switch type {
        case nil, "http", "streamable-http", "streamable_http", "streamableHttp": transport = .automatic
        case "sse": transport = .sse
        case "stdio":
            context.error(at(typeKey), owner + "\"type\" is \"stdio\" but the server has a \"\(urlKey)\" and no \"command\"")
            return nil
        case let other?:
            let names = ["http", "streamable-http", "sse", "stdio"]
            let hint = Suggestion.closest(to: other, in: names).map { "did you mean \"\($0)\"? " } ?? ""
            context.error(at(typeKey), owner + "unknown \"type\" \"\(other)\"; \(hint)use one of \(names.joined(separator: ", "))")
            return nil
        }
        var headers: [String: String] = [:]
        if let value = object["headers"] {
            if case .object(let map) = value {
                for (key, item) in map {
                    let itemPointer = at("headers") + "/" + JSONPointer.escape(key)
                    guard let text = context.string(item, at: itemPointer, owner + "header \"\(key)\"") else { continue }
                    if let expanded = expand(text, itemPointer, &context) { headers[key] = expanded }
                }
            } else {
                context.error(at("headers"), owner + "\"headers\" must be an object of names to values, not \(value.typeName)")
            }
        }
        for key in Self.processKeys where object[key] != nil && key != "command" {
            context.warning(at(key), owner + "\"\(key)\" is ignored for an HTTP server")
        }
        return .http(url: url, headers: headers, transport: transport)
    }

    /// The members of another client's `"oauth"` that name a pre-registered client: `clientId`,
    /// `clientSecret`, `scopes`, `redirectUri` (Gemini CLI) and `callbackPort` (Claude Code, whose
    /// redirect URI is `http://localhost:PORT/callback`). Others (`enabled`, `authorizationUrl`,
    /// ...) are left to discovery.
    private func foreignOAuth(_ object: JSONObject, at pointer: String, over own: OAuthSettings?, _ context: inout Context) -> OAuthSettings? {
        var settings = own ?? OAuthSettings()
        if settings.clientID == nil, let id = object["clientId"]?.stringValue, !id.isEmpty {
            settings.clientID = id
            if settings.clientSecret == nil, let source = object["clientSecret"] {
                settings.clientSecret = secret(source, at: pointer + "/clientSecret", "\"oauth.clientSecret\"", &context)
            }
            if settings.redirectURI == nil {
                if let uri = object["redirectUri"]?.stringValue {
                    if let problem = ConfigurationReader.loopbackProblem(uri) {
                        context.error(pointer + "/redirectUri", owner + "\"oauth.redirectUri\" \(problem)")
                    } else {
                        settings.redirectURI = uri
                    }
                } else if let port = object["callbackPort"]?.intValue, (1...65535).contains(port) {
                    settings.redirectURI = "http://localhost:\(port)/callback"
                }
            }
        }
        if settings.scopes == nil, let scopes = object["scopes"], case .array = scopes {
            settings.scopes = context.strings(scopes, at: pointer + "/scopes", owner + "\"oauth.scopes\"")
        }
        return settings == OAuthSettings() ? own : settings
    }

    /// A secret's value from its source (see ``SecretReader``).
    private func secret(_ source: JSONValue, at pointer: String, _ what: String, _ context: inout Context) -> String? {
        SecretReader(expansion: expansion, file: file, owner: owner).read(source, at: pointer, what, &context)
    }
}

/// `.env` files: `NAME=value` lines, `#` comments, optional `export ` and quotes.
enum DotEnv {
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = Substring(rawLine).drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: " \t")
            var value = line[line.index(after: equals)...].trimmingCharacters(in: " \t\r")
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            result[name] = value
        }
        return result
    }
}

extension Substring {
    func trimmingCharacters(in characters: String) -> String {
        String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
