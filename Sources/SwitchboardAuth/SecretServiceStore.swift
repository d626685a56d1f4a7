import JSONCore
public import MCPAuth
import Subprocess
import SystemPackage

/// The token store in the desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC), for
/// those who would rather not keep tokens in a file: `"switchboard": {"tokenStore":
/// "secret-service"}`.
///
/// It holds one secret, the same JSON document as the token file, found by the attributes
/// `application=switchboard`, `store=tokens` and `profile=<the configuration folder>` (so
/// that two configuration folders never share sign-ins). It talks to the service through
/// libsecret's `secret-tool`, started without a shell, the secret passed on standard input and
/// never in an argument. Changes are made under a ``CrossProcessLock`` in the configuration
/// folder: the Secret Service has no transactions, and two processes refreshing at once must
/// not lose each other's sign-ins.
public struct SecretServiceStore: TokenStorage, CustomStringConvertible {
    /// Tells this store's secret apart from another configuration folder's.
    public let profile: String
    /// The lock file that orders changes between processes.
    public let lockPath: String
    /// Variables set for `secret-tool` on top of this process's (a test's own session bus).
    public var environment: [String: String]
    /// The program: `secret-tool`, found on `PATH`, unless set.
    public var program: String

    /// The store for the configuration folder `directory` (`~/.config/switchboard`).
    public init(directory: String, environment: [String: String] = [:], program: String = "secret-tool") {
        self.profile = directory
        self.lockPath = directory + "/secret-service.lock"
        self.environment = environment
        self.program = program
    }

    public var description: String { "the Secret Service (application=switchboard profile=\(profile))" }

    var attributes: [String] { ["application", "switchboard", "store", "tokens", "profile", profile] }

    public func load() async throws(AuthError) -> StoredAuthorizations {
        try await read()
    }

    public func update<Result: Sendable>(
        _ body: (inout StoredAuthorizations) async throws(AuthError) -> Result
    ) async throws(AuthError) -> Result {
        try await CrossProcessLock(path: lockPath).withLock { () async throws(AuthError) -> Result in
            var stored = try await read()
            let before = stored
            let result = try await body(&stored)
            if stored != before {
                let label = "Switchboard sign-ins (\(profile))"
                let run = try await secretTool(["store", "--label=\(label)"] + attributes, input: stored.json.serializedString())
                guard run.succeeded else {
                    throw unavailable("cannot store the sign-ins", run)
                }
            }
            return result
        }
    }

    /// What the service holds; nothing when it holds no secret for this profile.
    func read() async throws(AuthError) -> StoredAuthorizations {
        let run = try await secretTool(["lookup"] + attributes, input: nil)
        guard run.succeeded else {
            // `secret-tool lookup` exits 1 with nothing to say when there is no such secret;
            // anything on stderr is the service failing.
            if run.status == 1, run.error.isEmpty { return StoredAuthorizations() }
            throw unavailable("cannot read the sign-ins", run)
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: Array(run.output.utf8)) } catch {
            throw AuthError(
                .malformedStore,
                "the sign-ins in \(description) are not JSON (\(error)); run `secret-tool clear \(attributes.joined(separator: " "))` to start over"
            )
        }
        do { return try StoredAuthorizations(json: json) } catch {
            throw AuthError(.malformedStore, "\(description): \(error.message)")
        }
    }

    /// One run of `secret-tool`: its status, standard output and standard error.
    struct Run {
        var status: Int32?
        var output: String
        var error: String
        var succeeded: Bool { status == 0 }
    }

    private func secretTool(_ arguments: [String], input: String?) async throws(AuthError) -> Run {
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in environment { updates[Environment.Key(stringLiteral: name)] = value }
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        do {
            // `lookup` reads nothing; an empty stdin keeps it from waiting on this process's.
            let outcome = try await Subprocess.run(
                executable,
                arguments: Arguments(arguments),
                environment: .inherit.updating(updates),
                input: .string(input ?? ""),
                output: .string(limit: 1 << 22),
                error: .string(limit: 1 << 16)
            )
            let status: Int32? =
                switch outcome.terminationStatus {
                case .exited(let code): code
                default: nil
                }
            return Run(status: status, output: outcome.standardOutput, error: outcome.standardError)
        } catch {
            throw AuthError(
                .storeUnavailable,
                "the token store is the Secret Service, but \(program) could not be started (\(error)); install libsecret-tools (Debian, Ubuntu) or libsecret (Fedora), or set \"tokenStore\": \"file\""
            )
        }
    }

    private func unavailable(_ what: String, _ run: Run) -> AuthError {
        let reason = run.error.split(separator: "\n").map(String.init).joined(separator: "; ")
        return AuthError(
            .storeUnavailable,
            "\(what) in \(description): \(reason.isEmpty ? "\(program) failed with status \(run.status.map(String.init) ?? "signal")" : reason); a Secret Service (GNOME Keyring, KWallet, KeePassXC) must be running on the session bus with its collection unlocked, or set \"tokenStore\": \"file\""
        )
    }
}
