public import JSONCore
public import MCPTransport

/// One server entry of a configuration file, in the common `mcpServers` shape used by
/// Claude Desktop, Cursor and `.mcp.json`.
public struct ServerEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case stdio(ProcessConfiguration)
        case http(url: String, headers: [String: String], transport: HTTPTransportChoice)
    }

    public var name: String
    public var kind: Kind
    /// Switchboard's own settings for this server (the `"switchboard"` member).
    public var settings: ServerSettings

    public init(name: String, kind: Kind, settings: ServerSettings = ServerSettings()) {
        self.name = name
        self.kind = kind
        self.settings = settings
    }
}

/// Switchboard's settings for one server, kept apart from the common shape in a
/// `"switchboard"` member so other tools reading the same file are not confused.
public struct ServerSettings: Sendable, Hashable {
    /// The interceptor chain for this server (see ``InterceptorRegistry``); the file's, or the default, when nil.
    public var interceptors: [JSONValue]?
    /// Whether this server's tool annotations are believed (for caching and retries).
    public var trustAnnotations: Bool

    public init(interceptors: [JSONValue]? = nil, trustAnnotations: Bool = false) {
        self.interceptors = interceptors
        self.trustAnnotations = trustAnnotations
    }
}

/// A whole configuration file: its servers and the settings shared by all of them.
public struct ConfigurationFile: Sendable, Hashable {
    public var servers: [ServerEntry]
    /// The interceptor chain for servers that name none.
    public var interceptors: [JSONValue]?

    public init(servers: [ServerEntry], interceptors: [JSONValue]? = nil) {
        self.servers = servers
        self.interceptors = interceptors
    }
}

/// A configuration error, with where it is and what to do.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// Reads the `{"mcpServers": {...}}` configuration shape.
public enum ServerConfigFile {
    /// Parses `text` (the contents of `file`) into its server entries, in file order.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> [ServerEntry] {
        try parseFile(text, file: file).servers
    }

    /// Parses `text` (the contents of `file`) into servers and shared settings.
    public static func parseFile(_ text: String, file: String) throws(ConfigError) -> ConfigurationFile {
        let root: JSONValue
        do { root = try JSONValue(parsing: text) } catch {
            throw ConfigError(file: file, message: "not valid JSON: \(error)")
        }
        guard let servers = root["mcpServers"]?.objectValue ?? root["servers"]?.objectValue else {
            throw ConfigError(file: file, message: "expected a top-level \"mcpServers\" object")
        }
        var entries: [ServerEntry] = []
        for (name, value) in servers {
            guard case .object(let server) = value else {
                throw ConfigError(file: file, message: "server \"\(name)\" must be an object")
            }
            entries.append(try entry(name: name, server, file: file))
        }
        var interceptors: [JSONValue]?
        if let value = root["switchboard"]?["interceptors"] ?? root["interceptors"] {
            guard case .array(let items) = value else {
                throw ConfigError(file: file, message: "\"interceptors\" must be an array")
            }
            interceptors = items
        }
        return ConfigurationFile(servers: entries, interceptors: interceptors)
    }

    static func settings(name: String, _ server: JSONObject, file: String) throws(ConfigError) -> ServerSettings {
        guard let value = server["switchboard"] else { return ServerSettings() }
        guard case .object(let object) = value else {
            throw ConfigError(file: file, message: "server \"\(name)\": \"switchboard\" must be an object")
        }
        var settings = ServerSettings()
        if let chain = object["interceptors"] {
            guard case .array(let items) = chain else {
                throw ConfigError(file: file, message: "server \"\(name)\": \"interceptors\" must be an array")
            }
            settings.interceptors = items
        }
        if let trust = object["trustAnnotations"] {
            guard let flag = trust.boolValue else {
                throw ConfigError(file: file, message: "server \"\(name)\": \"trustAnnotations\" must be true or false")
            }
            settings.trustAnnotations = flag
        }
        return settings
    }

    static func entry(name: String, _ server: JSONObject, file: String) throws(ConfigError) -> ServerEntry {
        func strings(_ key: String) throws(ConfigError) -> [String] {
            guard let value = server[key] else { return [] }
            guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
                throw ConfigError(file: file, message: "server \"\(name)\": \"\(key)\" must be an array of strings")
            }
            return items.compactMap(\.stringValue)
        }
        func map(_ key: String) throws(ConfigError) -> [String: String] {
            guard let value = server[key] else { return [:] }
            guard case .object(let object) = value else {
                throw ConfigError(file: file, message: "server \"\(name)\": \"\(key)\" must be an object of strings")
            }
            var result: [String: String] = [:]
            for (key, item) in object {
                guard let string = item.stringValue else {
                    throw ConfigError(file: file, message: "server \"\(name)\": \"\(key)\" must be a string")
                }
                result[key] = string
            }
            return result
        }
        if let command = server["command"] {
            guard let command = command.stringValue, !command.isEmpty else {
                throw ConfigError(file: file, message: "server \"\(name)\": \"command\" must be a non-empty string")
            }
            return ServerEntry(
                name: name,
                kind: .stdio(
                    ProcessConfiguration(
                        command: command,
                        arguments: try strings("args"),
                        environment: try map("env"),
                        workingDirectory: server.string("cwd")
                    )),
                settings: try settings(name: name, server, file: file)
            )
        }
        if let url = server["url"] {
            guard let url = url.stringValue else {
                throw ConfigError(file: file, message: "server \"\(name)\": \"url\" must be a string")
            }
            let transport: HTTPTransportChoice
            switch server.string("type") ?? server.string("transport") {
            case nil, "http", "streamable-http", "streamable_http", "streamableHttp": transport = .automatic
            case "sse": transport = .sse
            case let other?:
                throw ConfigError(
                    file: file,
                    message: "server \"\(name)\": unknown type \"\(other)\" (use http, streamable-http or sse)"
                )
            }
            return ServerEntry(
                name: name, kind: .http(url: url, headers: try map("headers"), transport: transport),
                settings: try settings(name: name, server, file: file))
        }
        throw ConfigError(file: file, message: "server \"\(name)\" needs either \"command\" or \"url\"")
    }
}
