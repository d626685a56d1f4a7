import ArgumentParser
import JSONCore

/// `switchboard keys`: API keys for the gateway.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make API keys for the gateway (switchboard serve).",
        subcommands: [KeysCreateCommand.self]
    )
}

struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a new API key: shown once, with the entry for \"gateway.apiKeys\" that keeps only its SHA-256.",
        discussion: """
            The key (sbk_ and 43 characters) goes to the client, which sends it as
            'Authorization: Bearer <key>'. The configuration keeps its digest, so the file
            holds no secret: add the printed entry to "gateway": {"apiKeys": [...]}, with roles
            that "gateway.roles" defines. Nothing is written anywhere; a lost key cannot be
            recovered, only replaced.
            """
    )

    @Argument(help: "The principal's name, as the audit log and errors show it.") var name: String
    @Option(name: .long, help: "A role for the key (repeatable).") var role: [String] = []
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { throw ValidationError("the name must be non-empty, without spaces") }
        for role in role where role.isEmpty { throw ValidationError("--role needs a name") }
    }

    func run() async throws {
        let (key, digest) = try CommandEnvironment.requireHTTP().newAPIKey()
        let entry: JSONValue = [
            "name": .string(name),
            "key": ["sha256": .string(digest)],
            "roles": .array(role.map(JSONValue.string)),
        ]
        if output.json {
            Terminal.output(
                JSONValue.object(["name": .string(name), "key": .string(key), "sha256": .string(digest), "entry": entry]).serializedString(
                    options: .prettyPrinted
                )
            )
            return
        }
        Terminal.output(key)
        Terminal.error("the key above is shown once: give it to \(name)'s client (Authorization: Bearer <key>)")
        Terminal.error("add this entry to \"gateway\": {\"apiKeys\": [...]} in the configuration:")
        Terminal.error("  " + entry.serializedString())
    }
}
