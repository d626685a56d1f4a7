import ArgumentParser
import JSONCore

/// `--data DIR`: where the gateway keeps its state (the audit log, `audit.sqlite`).
struct DataDirectoryOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The gateway's state: the audit log (default $XDG_DATA_HOME/switchboard, else ~/.local/share/switchboard).",
            valueName: "dir"
        )
    )
    var data: String?

    /// `--data`, else `$XDG_DATA_HOME/switchboard`, else `~/.local/share/switchboard`.
    func directory() throws(ConfigurationProblem) -> String {
        if let data { return data }
        let environment = Terminal.environment
        if let folder = environment["XDG_DATA_HOME"], !folder.isEmpty { return folder + "/switchboard" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.local/share/switchboard" }
        throw ConfigurationProblem("neither XDG_DATA_HOME nor HOME is set, so there is no default data folder: pass --data DIR")
    }

    /// The audit log in the data folder.
    func auditLog() throws(ConfigurationProblem) -> String { try directory() + "/audit.sqlite" }
}

/// `switchboard audit`: the gateway's audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and check the gateway's audit log.",
        subcommands: [AuditVerifyCommand.self, AuditTailCommand.self]
    )
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record's hash chain; exit 1 at the first record that was changed, removed or reordered.",
        discussion: """
            Prints the number of records and the head hash. Records removed from the end leave a
            shorter chain that still holds: keep the head hash somewhere else and pass it with
            --expect-head to tell.
            """
    )

    @OptionGroup var data: DataDirectoryOption
    @Option(name: .long, help: "A head hash printed earlier: the chain must still contain it as that record's hash.") var expectHead: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let verification = try CommandEnvironment.requireHTTP().verifyAuditLog(file: try data.auditLog())
        var intact = verification.broken == nil
        var problem = verification.broken.map { "record \($0.sequence): \($0.reason)" }
        if intact, let expectHead {
            let records = try CommandEnvironment.requireHTTP().auditRecords(file: try data.auditLog(), last: Int(verification.count))
            if !records.contains(where: { $0["hash"]?.stringValue == expectHead }) {
                intact = false
                problem = "no record has the hash \(expectHead): records were removed from the end (or it belongs to another log)"
            }
        }
        if output.json {
            var object: JSONObject = ["intact": .bool(intact), "records": .int(Int(verification.count))]
            if let head = verification.head { object["head"] = .string(head) }
            if let problem { object["problem"] = .string(problem) }
            Terminal.output(JSONValue.object(object).serializedString(options: .prettyPrinted))
        } else if let problem {
            Terminal.output("broken after \(verification.count) good records: \(problem)")
        } else {
            Terminal.output("intact: \(verification.count) records, head \(verification.head ?? "")")
        }
        if !intact { throw ExitCode(1) }
    }
}

struct AuditTailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tail", abstract: "Show the last records of the audit log.")

    @OptionGroup var data: DataDirectoryOption
    @Option(name: .customShort("n"), help: "How many records.") var count = 20
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("-n must be at least 1") }
    }

    func run() async throws {
        let records = try CommandEnvironment.requireHTTP().auditRecords(file: try data.auditLog(), last: count)
        if output.json {
            Terminal.output(JSONValue.array(records.map(JSONValue.object)).serializedString(options: .prettyPrinted))
            return
        }
        var table = TextTable("seq", "time (ms)", "principal", "client", "action", "server", "target", "outcome", "µs", "detail")
        for record in records {
            func text(_ key: String) -> String {
                guard let value = record[key] else { return "" }
                return value.stringValue ?? value.serializedString()
            }
            table.add(
                text("sequence"),
                text("time"),
                text("principal"),
                text("client"),
                text("action"),
                text("server"),
                text("target"),
                text("outcome"),
                text("durationUs"),
                text("detail")
            )
        }
        Terminal.output(table.render())
    }
}
