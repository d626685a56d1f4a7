import ArgumentParser
import JSONCore
import Switchboard
import SwitchboardConfiguration

/// `switchboard config`: check, show and import configuration files.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check, show or import a configuration file.",
        discussion: """
            Without a FILE, the configuration is looked for in this order: --config,
            $SWITCHBOARD_CONFIG, ./switchboard.json (or .yaml), ~/.config/switchboard/config.json.
            """,
        subcommands: [ValidateConfigCommand.self, ShowConfigCommand.self, ImportConfigCommand.self]
    )
}

/// Which configuration file a `config` subcommand reads.
struct ConfigFileArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The configuration file (default: the one discovery finds).", valueName: "file"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("The configuration file (the same as FILE).", valueName: "file"))
    var config: String?

    func validate() throws {
        if file != nil && config != nil { throw ValidationError("give the file once: as FILE or as --config") }
    }

    /// The file to read, and how it was found.
    func locate() throws(ConfigurationProblem) -> ConfigurationLoader.Located {
        let loader = ConfigurationFiles.loader
        guard let located = loader.locate(explicit: file ?? config) else {
            throw ConfigurationProblem("no configuration file found; looked at \(loader.searchedPlaces.joined(separator: ", "))")
        }
        return located
    }
}

struct ValidateConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration file: keys, types, names, variables, interceptors.",
        discussion: "Prints each problem as file:line:column. Exit 0 when it can be used (warnings allowed), 2 when not."
    )

    @OptionGroup var source: ConfigFileArgument
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let located = try source.locate()
        var diagnostics: [ConfigDiagnostic]
        var servers = 0
        let loader = try ConfigurationFiles.loader(reading: located.path)
        do throws(ConfigError) {
            let configuration = try loader.load(located.path)
            diagnostics = configuration.warnings
            servers = configuration.servers.count
            // Interceptor chains are checked by making them, as a session would.
            for server in configuration.servers {
                let settings = configuration.effectiveSettings(of: server)
                do { _ = try InterceptorRegistry.standard.make(settings.interceptors ?? InterceptorRegistry.defaultChain, file: located.path) } catch
                {
                    diagnostics += error.diagnostics.map { diagnostic in
                        var diagnostic = diagnostic
                        diagnostic.message = "server \"\(server.name)\": " + diagnostic.message
                        diagnostic.location = diagnostic.location ?? settings.interceptorsLocation
                        return diagnostic
                    }
                }
            }
        } catch {
            diagnostics = error.diagnostics
        }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        if output.json {
            let items: [JSONValue] = diagnostics.map { diagnostic in
                var object: JSONObject = [
                    "severity": .string(diagnostic.severity.rawValue), "file": .string(diagnostic.file),
                    "pointer": .string(diagnostic.pointer), "message": .string(diagnostic.message),
                ]
                if let location = diagnostic.location {
                    object["line"] = .int(location.line)
                    object["column"] = .int(location.column)
                }
                return .object(object)
            }
            let document: JSONValue = [
                "file": .string(located.path), "foundBy": .string(located.origin), "valid": .bool(errors == 0),
                "servers": .int(servers), "diagnostics": .array(items),
            ]
            Terminal.output(document.serializedString(options: .prettyPrinted))
        } else {
            for diagnostic in diagnostics { Terminal.error(diagnostic.description) }
            let verdict = errors == 0 ? "valid" : "not valid"
            Terminal.output(
                "\(located.path) (found by \(located.origin)): \(verdict); \(servers) server\(servers == 1 ? "" : "s"), \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
        }
        if errors > 0 { throw ExitCode(2) }
    }
}

struct ShowConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the configuration as Switchboard will use it, with secrets masked.",
        discussion:
            "Variables are expanded and defaults applied; header values, secret-sounding environment variables and flags, and URL credentials are masked."
    )

    @OptionGroup var source: ConfigFileArgument

    func run() async throws {
        try await reporting {
            let located = try source.locate()
            let configuration = try ConfigurationFiles.load(located.path)
            Terminal.output(configuration.redactedSummary.serializedString(options: .prettyPrinted))
        }
    }
}

struct ImportConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a Claude Desktop, Cursor, VS Code (or similar) MCP configuration into Switchboard's.",
        discussion: """
            Reads FILE, or the usual file of the client named by --from (claude, claude-code,
            cursor, vscode, windsurf, gemini), and prints the converted configuration, or writes
            it to --output. Variable references are kept, not expanded.
            """
    )

    @Argument(help: ArgumentHelp("The file to import.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("The client whose usual file to import when FILE is not given.", valueName: "client"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Write the result here instead of printing it.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Replace --output if it exists.")
    var force = false

    func validate() throws {
        if file == nil && from == nil { throw ValidationError("name the FILE to import, or --from CLIENT") }
        if let from {
            let clients = Set(ConfigurationImport.knownLocations(home: "", workspace: "").map(\.client))
            guard clients.contains(from) else {
                let hint = Suggestion.closest(to: from, in: clients).map { "did you mean \"\($0)\"? " } ?? ""
                throw ValidationError("unknown client \"\(from)\"; \(hint)use one of \(clients.sorted().joined(separator: ", "))")
            }
        }
    }

    func run() async throws {
        try await reporting {
            let path = try sourcePath()
            let text: String
            do { text = try TextFile.read(path) } catch { throw ConfigurationProblem("cannot read \(error)") }
            let converted: ConfigurationImport.Result
            let yaml = ConfigurationDocument.isYAML(path) ? try CommandEnvironment.requireYAML() : nil
            do throws(ConfigError) {
                converted = try ConfigurationImport.convert(ConfigurationDocument.parse(text, file: path, yaml: yaml).root)
            } catch {
                throw ConfigurationProblem(
                    error.diagnostics.map { $0.file.isEmpty ? "\(path): \($0.message)" : $0.description }.joined(separator: "\n")
                )
            }
            for note in converted.notes { Terminal.error("note: " + note) }
            let rendered = converted.configuration.serializedString(options: .prettyPrinted)
            guard let output else {
                Terminal.output(rendered)
                return
            }
            do throws(TextFile.Failure) { try TextFile.write(rendered + "\n", to: output, replacing: force) } catch {
                throw ConfigurationProblem("cannot write \(output): \(error.reason)\(error.code == 17 ? " (use --force to replace it)" : "")")
            }
            Terminal.error("wrote \(output); check it with `switchboard config validate \(output)`")
        }
    }

    private func sourcePath() throws(ConfigurationProblem) -> String {
        if let file { return file }
        let environment = Terminal.environment
        let locations = ConfigurationImport.knownLocations(home: environment["HOME"] ?? "", workspace: TextFile.currentDirectory)
            .filter { $0.client == from }
        guard let found = locations.first(where: { TextFile.exists($0.path) }) else {
            throw ConfigurationProblem("no \(from ?? "") configuration found; looked at \(locations.map(\.path).joined(separator: ", "))")
        }
        return found.path
    }
}
