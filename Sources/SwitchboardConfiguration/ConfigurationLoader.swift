/// Finds and loads the configuration file.
public struct ConfigurationLoader: Sendable {
    public var environment: [String: String]
    /// The folder `./switchboard.json` is looked for in.
    public var currentDirectory: String
    public var yaml: ConfigurationDocument.YAMLReader?

    public init(environment: [String: String], currentDirectory: String = TextFile.currentDirectory, yaml: ConfigurationDocument.YAMLReader? = nil) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.yaml = yaml
    }

    /// Where a configuration file was found, and what found it (for `config validate` and errors).
    public struct Located: Sendable, Hashable {
        public var path: String
        public var origin: String

        public init(path: String, origin: String) {
            self.path = path
            self.origin = origin
        }
    }

    /// The configuration file to use, in order: `explicit` (`--config`), `SWITCHBOARD_CONFIG`,
    /// `./switchboard.json`, `./switchboard.yaml`, `./switchboard.yml`,
    /// `~/.config/switchboard/config.json` (or `.yaml`). `nil` when there is none.
    public func locate(explicit: String?) -> Located? {
        if let explicit { return Located(path: explicit, origin: "--config") }
        if let path = environment["SWITCHBOARD_CONFIG"], !path.isEmpty { return Located(path: path, origin: "SWITCHBOARD_CONFIG") }
        for name in ["switchboard.json", "switchboard.yaml", "switchboard.yml"] {
            let path = TextFile.absolute(name, from: currentDirectory)
            if TextFile.exists(path) { return Located(path: path, origin: "the current directory") }
        }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["HOME"].map { $0 + "/.config" }
        if let base {
            for name in ["config.json", "config.yaml", "config.yml"] {
                let path = base + "/switchboard/" + name
                if TextFile.exists(path) { return Located(path: path, origin: "the user configuration folder") }
            }
        }
        return nil
    }

    /// The places ``locate(explicit:)`` looks, for a message when none holds a file.
    public var searchedPlaces: [String] {
        var places = ["--config", "$SWITCHBOARD_CONFIG", "./switchboard.json", "./switchboard.yaml"]
        if environment["HOME"] != nil || environment["XDG_CONFIG_HOME"] != nil { places.append("~/.config/switchboard/config.json") }
        return places
    }

    /// Reads and checks the file at `path`.
    public func load(_ path: String) throws(ConfigError) -> SwitchboardConfiguration {
        let text: String
        do { text = try TextFile.read(path) } catch {
            throw ConfigError(file: path, message: error.isMissing ? "no such file" : "cannot read it: \(error.reason)")
        }
        return try parse(text, file: path)
    }

    /// Checks `text` as the contents of `file`.
    public func parse(_ text: String, file: String) throws(ConfigError) -> SwitchboardConfiguration {
        let document = try ConfigurationDocument.parse(text, file: file, yaml: yaml)
        return try ConfigurationReader(environment: environment).read(document, file: file)
    }
}
